import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { TEST_ADMIN, TEST_DATABASE_URL } from '../support/test-env.js';

const MAIN = 'dist/src/main.js'; // built by `npm test` before Vitest starts

/** The pids of a process's children (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('HTTP_WORKERS: several server processes sharing one port', () => {
  let proc: ChildProcess | undefined;
  afterAll(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  });

  it('serves from every worker, replaces a killed worker, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    let out = '';
    proc = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_URL: '',
        HTTP_WORKERS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        MPI_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
        MPI_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const supervisor = proc.pid!;

    const twoWorkers = async (): Promise<number[]> => {
      for (let i = 0; i < 300; i++) {
        const kids = await childrenOf(supervisor);
        if (kids.length === 2) {
          const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200).catch(() => false);
          if (ok && (out.match(/MPI listening on/g) ?? []).length >= 2) return kids;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`workers did not start: ${out}`);
    };

    const first = await twoWorkers();
    // Tokens issued by one worker are accepted by the other (the signing key is shared).
    const token = await fetch(`http://127.0.0.1:${port}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret }),
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/organizations`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }

    // A worker killed outright is replaced; the service keeps answering meanwhile.
    process.kill(first[0], 'SIGKILL');
    out = out.replace(/MPI listening on/g, 'listened');
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    for (let i = 0; i < 300 && !(out.match(/MPI listening on/g) ?? []).length; i++) await new Promise((r) => setTimeout(r, 100));
    const after = await childrenOf(supervisor);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(first[0]);
    expect(out).toContain('a worker exited; starting a replacement');

    const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of after) expect(() => process.kill(pid, 0)).toThrow();
  });
});
