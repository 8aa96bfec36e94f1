import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { PgliteQueryQueue } from './pglite-query-queue.js';

/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) keeping its data in a local
 * folder, served on a loopback TCP port so that the ordinary `pg` driver and TypeORM use
 * exactly the same code path (and migrations) as against a real PostgreSQL server.
 *
 * Each connection is pglite-socket's handler; the queue in front of PGlite's one session is
 * ours (PgliteQueryQueue), which keeps every connection's exchange and transaction whole.
 */
export class EmbeddedPostgres {
  private readonly handlers = new Set<PGLiteSocketHandler>();

  private constructor(
    private readonly db: PGlite,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir });
    // The handler's option is typed as pglite-socket's own queue class (private members): ours has its methods.
    const queryQueue = new PgliteQueryQueue(db) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
    const server = createServer();
    server.maxConnections = maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('the embedded database socket has no port');
    const embedded = new EmbeddedPostgres(db, server, `postgres://postgres@127.0.0.1:${address.port}/postgres`);
    server.on('connection', (socket) => embedded.attach(socket, queryQueue));
    return embedded;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.handlers].map((h) => h.detach(true)));
    this.handlers.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.db.close();
  }

  private attach(socket: Socket, queryQueue: PGLiteSocketHandlerOptions['queryQueue']): void {
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    this.handlers.add(handler);
    handler.addEventListener('close', () => this.handlers.delete(handler));
    handler.addEventListener('error', () => this.handlers.delete(handler));
    handler.attach(socket).catch(() => {
      this.handlers.delete(handler);
      socket.destroy();
    });
  }
}
