import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

// The embedded PGlite serves every connection from one session: each connection's
// extended-protocol exchanges and transactions must still come out whole.
describe('EmbeddedPostgres (PGlite behind a socket)', () => {
  let dir: string;
  let db: EmbeddedPostgres;
  let pool: Pool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpi-pglite-'));
    db = await EmbeddedPostgres.start(join(dir, 'data'), 6);
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
    await pool.query('INSERT INTO counter VALUES (1, 0)');
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers concurrent parameterized queries of different shapes from several connections, each with its own rows', async () => {
    const asks = Array.from({ length: 400 }, (_, i) =>
      i % 2
        ? pool.query<{ s: number }>('SELECT $1::int + $2::int AS s', [i, 1]).then((r) => expect(r.rows).toEqual([{ s: i + 1 }]))
        : pool.query<{ t: string; u: string; v: string }>('SELECT $1::text AS t, $2::text AS u, $3::text AS v', [`a${i}`, 'b', 'c']).then((r) => expect(r.rows).toEqual([{ t: `a${i}`, u: 'b', v: 'c' }])),
    );
    const outcomes = await Promise.allSettled(asks);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
  }, 60_000);

  it("keeps one connection's extended-protocol exchange whole while another connection's arrives in the middle of it", async () => {
    const a = await rawSession(db.url);
    const b = await rawSession(db.url);
    try {
      // A parses and binds its statement, then pauses before Execute and Sync; B sends a whole exchange meanwhile.
      a.send(msg('P', cstr(''), cstr('SELECT $1::int AS a'), int16(0)), msg('B', cstr(''), cstr(''), int16(0), int16(1), int32(1), Buffer.from('7'), int16(0)));
      const bAnswer = b.until('Z');
      b.send(msg('P', cstr(''), cstr("SELECT 'from b'::text AS b"), int16(0)), msg('B', cstr(''), cstr(''), int16(0), int16(0), int16(0)), msg('E', cstr(''), int32(0)), msg('S'));
      await new Promise((r) => setTimeout(r, 100));
      const aAnswer = a.until('Z');
      a.send(msg('E', cstr(''), int32(0)), msg('S'));
      expect(dataRows(await aAnswer)).toEqual(['7']);
      expect(dataRows(await bAnswer)).toEqual(['from b']);
    } finally {
      a.socket.destroy();
      b.socket.destroy();
    }
  }, 30_000);

  it('keeps each transaction whole while other connections query, and increments lose nothing', async () => {
    const bump = async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rows } = await c.query<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]);
        await new Promise((r) => setTimeout(r, 1));
        await c.query('UPDATE counter SET n = $1 WHERE id = $2', [rows[0].n + 1, 1]);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    };
    const reads = Array.from({ length: 50 }, () => pool.query('SELECT count(*) FROM counter WHERE id = $1', [1]));
    await Promise.all([...Array.from({ length: 50 }, bump), ...reads]);
    expect((await pool.query('SELECT n FROM counter WHERE id = 1')).rows[0].n).toBe(50);
  }, 60_000);

  it('rolls back and frees the session when a connection goes away inside its transaction', async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('UPDATE counter SET n = -1 WHERE id = 1');
    c.end().catch(() => undefined);
    const { rows } = await pool.query('SELECT n FROM counter WHERE id = 1');
    expect(rows[0].n).not.toBe(-1);
  }, 30_000);
});

// --- the PostgreSQL wire protocol, just enough to pause a connection mid-exchange ---

const cstr = (v: string) => Buffer.from(`${v}\0`);
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

/** The text values of the DataRow messages in a server answer. */
function dataRows(answer: Buffer): string[] {
  const values: string[] = [];
  for (let at = 0; at < answer.length; ) {
    const type = String.fromCharCode(answer[at]);
    const len = answer.readInt32BE(at + 1);
    if (type === 'E') throw new Error(`server error: ${answer.subarray(at + 5, at + 1 + len).toString('latin1')}`);
    if (type === 'D') {
      const n = answer.readInt32BE(at + 7);
      values.push(answer.subarray(at + 11, at + 11 + n).toString('utf8'));
    }
    at += 1 + len;
  }
  return values;
}

async function rawSession(url: string): Promise<{ socket: Socket; send: (...m: Buffer[]) => void; until: (type: string) => Promise<Buffer> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let buffered = Buffer.alloc(0);
  let waiter: { type: string; resolve: (b: Buffer) => void } | null = null;
  const check = () => {
    if (!waiter) return;
    for (let at = 0; at + 5 <= buffered.length; ) {
      const len = buffered.readInt32BE(at + 1);
      if (at + 1 + len > buffered.length) break;
      if (String.fromCharCode(buffered[at]) === waiter.type) {
        const answer = buffered.subarray(0, at + 1 + len);
        buffered = buffered.subarray(at + 1 + len);
        const w = waiter;
        waiter = null;
        w.resolve(answer);
        return;
      }
      at += 1 + len;
    }
  };
  socket.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    check();
  });
  const until = (type: string) =>
    new Promise<Buffer>((resolve) => {
      waiter = { type, resolve };
      check();
    });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const startup = Buffer.concat([int32(196608), cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
  const ready = until('Z');
  socket.write(Buffer.concat([int32(startup.length + 4), startup]));
  await ready;
  return { socket, send: (...m) => socket.write(Buffer.concat(m)), until };
}
