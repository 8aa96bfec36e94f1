import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';

const MAIN = 'dist/src/main.js'; // built by `npm test` before Vitest starts

/** The environment of a bare machine: no DATABASE_URL, no REDIS_URL, no admin variables. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MPI_ADMIN_CLIENT_ID', 'MPI_ADMIN_CLIENT_SECRET', 'MPI_TOKEN_SECRET']) delete env[k];
  return { ...env, ...extra };
}

async function startServer(dataDir: string, port: number, extraEnv: Record<string, string> = {}): Promise<{ proc: ChildProcess; output: () => string; startupMs: number }> {
  let out = '';
  const started = Date.now();
  const proc = spawn(process.execPath, [MAIN], { env: bareEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ...extraEnv }), stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return { proc, output: () => out, startupMs: Date.now() - started };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not become healthy: ${out}`);
}

async function stop(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  return exited;
}

describe('the embedded default (no DATABASE_URL, no REDIS_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mpi-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on PGlite with in-process jobs, generates admin credentials, and keeps data across a restart', async () => {
    const port = await freePort();
    let personId = '';
    const first = await startServer(dataDir, port);
    try {
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', database: 'up', redis: 'disabled', mode: { database: 'embedded', queue: 'in-process' } });
      expect(first.output()).toMatch(/database: embedded PGlite.*queue: in-process jobs/);

      const creds = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
      expect(first.output()).not.toContain(creds.clientSecret);
      const tokenRes = await fetch(`http://127.0.0.1:${port}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }),
      });
      expect(tokenRes.status).toBe(200);
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const created = await fetch(`http://127.0.0.1:${port}/api/v1/organizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'kept', name: 'Kept Clinic', assigningAuthority: 'urn:oid:1.9.9' }),
      });
      expect(created.status).toBe(201);
      // A feed on PGlite: created, then the same body again answers as the first time.
      const put = () =>
        fetch(`http://127.0.0.1:${port}/api/v1/organizations/kept/records/r-1`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: [{ family: 'Okafor', given: ['Ada'] }], birthDate: '1971-05-02' }),
        });
      const fed = await put();
      expect(fed.status).toBe(201);
      const again = await put();
      expect(again.status).toBe(200);
      personId = ((await fed.json()) as { personId: string }).personId;
      expect(((await again.json()) as { personId: string }).personId).toBe(personId);
    } finally {
      expect(await stop(first.proc)).toBe(0);
    }

    const second = await startServer(dataDir, port);
    try {
      const tokenRes = await fetch(`http://127.0.0.1:${port}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', ...(() => { const c = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')); return { client_id: c.clientId, client_secret: c.clientSecret }; })() }),
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const org = await fetch(`http://127.0.0.1:${port}/api/v1/organizations/kept`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(org.status).toBe(200);
      expect(((await org.json()) as { name: string }).name).toBe('Kept Clinic');
      const record = await fetch(`http://127.0.0.1:${port}/api/v1/organizations/kept/records/r-1`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(record.status).toBe(200);
      expect(((await record.json()) as { personId: string }).personId).toBe(personId);
    } finally {
      await stop(second.proc);
    }
  }, 120_000);

  it('runs a batch load of several chunks to the end, and the same file again, on PGlite', async () => {
    // Chunks of 50 rows: each chunk waits for the one before it while that one links, the
    // moment a waiting transaction would hold PGlite's one session for ever.
    const dir = mkdtempSync(join(tmpdir(), 'mpi-embedded-batch-'));
    const port = await freePort();
    const server = await startServer(dir, port, { BATCH_CHUNK_ROWS: '50' });
    try {
      const creds = JSON.parse(readFileSync(join(dir, 'admin-credentials.json'), 'utf8'));
      const tokenRes = await fetch(`http://127.0.0.1:${port}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }),
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${access_token}` };
      const org = await fetch(`http://127.0.0.1:${port}/api/v1/organizations`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'bulk', name: 'Bulk Clinic', assigningAuthority: 'urn:oid:1.9.8' }),
      });
      expect(org.status).toBe(201);
      const rows = Array.from({ length: 400 }, (_, i) => `p-${i},Family${i % 150},Given${i % 7},19${String(10 + (i % 80)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10},${i % 2 ? 'female' : 'male'}`);
      const csv = ['localId,family,given,birthDate,sex', ...rows].join('\n') + '\n';
      const load = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/batch-loads?organizationId=bulk`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: csv });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as { id: string };
        let st: { status: string; counts: Record<string, number>; chunks: { total: number } } | undefined;
        for (const deadline = Date.now() + 100_000; Date.now() < deadline; ) {
          st = (await (await fetch(`http://127.0.0.1:${port}/api/v1/batch-loads/${id}`, { headers: auth })).json()) as typeof st;
          if (st!.status === 'completed' || st!.status === 'failed') return st!;
          await new Promise((r) => setTimeout(r, 100));
        }
        const chunkLines = server.output().split('\n').filter((l) => l.includes('"context":"BatchChunks"') || l.includes('"level":50') || l.includes('"level":40'));
        throw new Error(`batch load ${id} did not finish in 100 s: ${JSON.stringify(st)}\n${chunkLines.slice(-40).join('\n')}`);
      };
      const first = await load();
      expect(first).toMatchObject({ status: 'completed', counts: { rows: 400, created: 400, rejected: 0 }, chunks: { total: 8 } });
      const again = await load();
      expect(again).toMatchObject({ status: 'completed', counts: { rows: 400, created: 0, unchanged: 400 } });
    } finally {
      await stop(server.proc);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses to start on a bad environment, listing every bad variable', () => {
    const res = spawnSync(process.execPath, [MAIN], {
      env: bareEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MPI_ADMIN_CLIENT_ID: 'admin', LOG_LEVEL: 'loud' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.status).not.toBe(0);
    for (const v of ['PORT', 'DATABASE_URL', 'MPI_ADMIN_CLIENT_SECRET', 'LOG_LEVEL']) expect(res.stderr).toContain(v);
  });

  it('refuses to start on an invalid matching rule set, listing every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpi-rules-'));
    const file = join(dir, 'bad.json');
    const rules = JSON.parse(readFileSync('matching-rules/default.json', 'utf8'));
    rules.lambda = 2;
    rules.fields[0].levels[0].m = -1;
    writeFileSync(file, JSON.stringify(rules));
    const res = spawnSync(process.execPath, [MAIN], {
      env: bareEnv({ DATA_DIR: join(dir, 'data'), PORT: '0', MATCHING_RULES_PATH: file, LOG_LEVEL: 'silent' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('lambda');
    expect(res.stderr).toMatch(/fields\[0\]\.levels\[0\]\.m/);
  });

  it('exits with a clear message instead of hanging when PostgreSQL is unreachable', () => {
    const started = Date.now();
    const res = spawnSync(process.execPath, [MAIN], {
      env: bareEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5499/none', PORT: '0', LOG_LEVEL: 'silent' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/failed to start/i);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
