/** What the benchmarks share: a fresh PostgreSQL database and the compiled server on it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };

/**
 * Drops and creates the database; returns its URL. BENCH_DB_SETTINGS, e.g.
 * "log_min_duration_statement=0;session_preload_libraries=auto_explain", sets per-database
 * parameters (ALTER DATABASE … SET) for diagnosis: they apply to the server's new sessions.
 */
export async function freshDatabase(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  for (const setting of (process.env.BENCH_DB_SETTINGS ?? '').split(';').map((x) => x.trim()).filter(Boolean)) {
    const [param, ...value] = setting.split('=');
    await c.query(`ALTER DATABASE ${name} SET ${param.trim()} = '${value.join('=').trim().replace(/'/g, "''")}'`);
  }
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The environment's MATCHING_RULES_PATH, else the rule file of the build `entry` (…/dist/src/main.js)
 * belongs to: a build run through BENCH_SERVER_ENTRY reads its own rule set, not the one in the
 * benchmark's working directory (which may name key functions that build does not have).
 */
export function rulesOfBuild(entry: string): string {
  return process.env.MATCHING_RULES_PATH ?? resolve(dirname(entry), '../../matching-rules/default.json');
}

/** Starts dist/src/main.js on the database (no Redis, LOG_LEVEL=warn) and waits for /health. */
export async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  // BENCH_SERVER_ENTRY: another build's main.js, to compare two versions on the same data.
  const entry = process.env.BENCH_SERVER_ENTRY ?? resolve(root, 'dist/src/main.js');
  const env = {
    ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MPI_ADMIN_CLIENT_ID: ADMIN.id, MPI_ADMIN_CLIENT_SECRET: ADMIN.secret,
    MATCHING_RULES_PATH: rulesOfBuild(entry),
  };
  delete (env as Record<string, string | undefined>).REDIS_URL;
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return proc;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('server did not start');
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** The server's processes: the server, or with HTTP_WORKERS > 1 its supervisor and workers. */
export function serverPids(server: ChildProcess): number[] {
  try {
    const kids = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [server.pid!, ...kids];
  } catch {
    return [server.pid!];
  }
}

export interface CpuSnapshot {
  server: Map<number, number>;
  db: Map<number, number>;
}

/** CPU seconds used so far by the server's processes and by the backends serving `db`'s database. */
export async function cpuSnapshot(server: ChildProcess, db: pg.Client): Promise<CpuSnapshot> {
  const pids = (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid as number);
  return { server: new Map(serverPids(server).map((pid) => [pid, cpuSeconds(pid)])), db: new Map(pids.map((pid) => [pid, cpuSeconds(pid)])) };
}

/** CPU seconds between two snapshots (a process that appeared meanwhile counts from zero). */
export function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let t = 0;
  for (const [pid, s] of after) t += s - (before.get(pid) ?? 0);
  return t;
}

/** RSS now and at its peak, of the largest server process (with HTTP_WORKERS > 1: per worker). */
export function rssMb(server: ChildProcess): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const pid of serverPids(server)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      rss = Math.max(rss, Math.round(kb('VmRSS') / 1024));
      peak = Math.max(peak, Math.round(kb('VmHWM') / 1024));
    } catch {
      // gone
    }
  }
  return { rss, peak };
}
