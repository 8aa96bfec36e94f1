#!/usr/bin/env node
// `npm run bench:startup`: cold start to the first healthy /health answer, and idle RSS,
// for the embedded default (fresh data folder, then reopened) and PostgreSQL + Redis.
// Needs `npm run build` first; PostgreSQL/Redis from BENCH_DATABASE_URL / BENCH_REDIS_URL.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = process.env.BENCH_DATABASE_URL ?? adminUrl.replace(/\/[^/]*$/, '/mpi_bench_startup');
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/2';

async function recreateDb() {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const name = new URL(dbUrl).pathname.slice(1);
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function measure(label, env) {
  const port = 3900 + Math.floor(Math.random() * 90);
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL']) delete base[k];
  const started = process.hrtime.bigint();
  const proc = spawn(process.execPath, ['dist/src/main.js'], { env: { ...base, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: 'ignore' });
  let ms = NaN;
  for (let i = 0; i < 1200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.status === 200) {
        ms = Number(process.hrtime.bigint() - started) / 1e6;
        break;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const rss = rssMb(proc.pid);
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  console.log(`${label.padEnd(44)} first healthy: ${Math.round(ms)} ms   idle RSS: ${rss} MB`);
}

const dir = mkdtempSync(join(tmpdir(), 'mpi-bench-'));
await measure('embedded PGlite, new data folder (initdb)', { DATA_DIR: dir });
await measure('embedded PGlite, existing data folder', { DATA_DIR: dir });
rmSync(dir, { recursive: true, force: true });
await recreateDb();
await measure('PostgreSQL + Redis, empty database (migrate)', { DATABASE_URL: dbUrl, REDIS_URL: redisUrl });
await measure('PostgreSQL + Redis, migrated database', { DATABASE_URL: dbUrl, REDIS_URL: redisUrl });
