import type { PGlite } from '@electric-sql/pglite';

/** Frontend messages after which PostgreSQL answers ReadyForQuery: an exchange ends there. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const STARTUP = 0x00; // a startup packet begins with its length, whose first byte is 0

interface Queued {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The one queue in front of PGlite's single session for every socket connection, keeping
 * each connection's exchange whole: from a connection's first message until PGlite is
 * ready for the next query outside a transaction (after a Sync or a simple Query), only
 * that connection's messages run. pglite-socket's own queue pins a connection only while a
 * transaction is open, so two extended-protocol exchanges (Parse/Bind/Execute/Sync) of two
 * connections interleave, one Parse replacing the other's unnamed statement (08P01, or the
 * wrong rows), and one failed message stops its queue for ever (electric-sql/pglite#1046).
 * It has the methods PGLiteSocketHandler calls on its `queryQueue`.
 */
export class PgliteQueryQueue {
  private readonly queue: Queued[] = [];
  private processing = false;
  /** The connection whose exchange (or transaction) is open; null when the session is free. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: its queued messages are dropped. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].handlerId !== handlerId) continue;
      this.queue[i].reject(new Error('Handler disconnected'));
      this.queue.splice(i, 1);
    }
  }

  /** A connection went away mid-exchange or mid-transaction: its work is rolled back and the session freed. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    // Ends an extended-protocol exchange PGlite may still hold open, then any transaction.
    try {
      await this.db.runExclusive(() => this.db.execProtocolRaw(new Uint8Array([SYNC, 0, 0, 0, 4])));
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    } finally {
      this.owner = null;
    }
    void this.process();
  }

  private next(): Queued | undefined {
    if (this.owner === null) return this.queue.shift();
    const i = this.queue.findIndex((q) => q.handlerId === this.owner);
    return i === -1 ? undefined : this.queue.splice(i, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let q = this.next(); q; q = this.next()) {
        const item = q;
        let bytes = 0;
        let failure: { error: unknown } | null = null;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (e) {
          failure = { error: e };
        }
        // After a Sync or a simple Query (failed or not) the exchange is over; the session is
        // free unless a transaction is open. After any other message the connection sends
        // the rest of its exchange (its Sync) next, or goes away (clearTransactionIfNeeded).
        const type = item.message[0];
        const ready = type === SYNC || type === QUERY || type === STARTUP;
        this.owner = ready && !this.db.isInTransaction() ? null : item.handlerId;
        if (failure) item.reject(failure.error);
        else item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}
