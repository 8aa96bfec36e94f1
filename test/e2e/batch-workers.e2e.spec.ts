import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_ADMIN, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env.js';
import { syntheticPatients, toCsv } from '../factories/synthetic-patients.js';
import { assertIntegrity, partition, waitForLoad } from '../support/batch.js';
import { freePort } from '../support/net.js';

const MAIN = 'dist/src/main.js'; // built by `npm test` before Vitest starts
const ORG = 'north';

/** The compiled service as a separate process: a Bull worker on the test database and Redis. */
async function startWorker(prefix: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const env = {
    ...process.env, DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1',
    MIGRATIONS_RUN: 'false', LOG_LEVEL: 'silent', MPI_ADMIN_CLIENT_ID: TEST_ADMIN.clientId, MPI_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
    BATCH_CHUNK_ROWS: '50', BATCH_CONCURRENCY: '2',
  };
  const proc = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error('worker exited');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { proc, port };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('worker did not start');
}

const rows = [...syntheticPatients(1500, { seed: 21, duplicateShare: 0.4 })];
const csv = toCsv(rows);

describe('batch loads with several worker processes (Bull on Redis)', () => {
  let t: TestApp;
  let feed: string;
  const prefix = `mpi-test-batch-workers-${process.pid}`;
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    // This process only stores uploads (in-process queue of its own, idle); the workers link.
    t = await startTestApp({ env: { BATCH_CHUNK_ROWS: '50' } });
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.6001');
    feed = (await t.clientToken(['feed'], ORG)).token;
  });

  const uploadVia = async (port: number) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/batch-loads?organizationId=${ORG}`, {
      method: 'POST', headers: { authorization: `Bearer ${feed}`, 'content-type': 'text/csv' }, body: csv,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };

  it('finishes a load with no record lost or duplicated after a worker is killed (kill -9) mid-load and restarted', async () => {
    const first = await startWorker(prefix);
    procs.push(first.proc);
    const id = await uploadVia(first.port);
    // Let it get some way in, then kill it without warning.
    for (let i = 0; i < 400; i++) {
      const s = await t.http().get(`/api/v1/batch-loads/${id}`).auth(feed, { type: 'bearer' });
      if (s.body.chunks.done >= 4) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const midway = (await t.http().get(`/api/v1/batch-loads/${id}`).auth(feed, { type: 'bearer' })).body;
    expect(midway.status).toBe('running');
    expect(midway.chunks.done).toBeLessThan(midway.chunks.total);

    const second = await startWorker(prefix);
    procs.push(second.proc);
    const done = await waitForLoad(t, feed, id, 55_000);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ rows: 1500, created: 1500, updated: 0, unchanged: 0, rejected: 0 });
    const [{ records, events }] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM source_record)::int AS records, (SELECT count(*) FROM link_event)::int AS events`,
    );
    expect(records).toBe(1500);
    expect(events).toBe(1500);
    await assertIntegrity(t);
    second.proc.kill('SIGTERM');
  });

  it('gives the same persons with two worker processes linking at once as with one', async () => {
    const a = await startWorker(prefix);
    const b = await startWorker(prefix);
    procs.push(a.proc, b.proc);
    const id = await uploadVia(a.port);
    const done = await waitForLoad(t, feed, id, 55_000);
    expect(done.counts).toMatchObject({ rows: 1500, created: 1500 });
    const twoWorkers = await partition(t);
    await assertIntegrity(t);
    b.proc.kill('SIGTERM');
    await new Promise((r) => b.proc.once('exit', r));

    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.6001');
    feed = (await t.clientToken(['feed'], ORG)).token;
    const id2 = await uploadVia(a.port);
    await waitForLoad(t, feed, id2, 55_000);
    expect(await partition(t)).toEqual(twoWorkers);
    a.proc.kill('SIGTERM');
  });
});
