/**
 * `npm run bench:batch`: generates a seeded file of N synthetic US patients with realistic
 * duplicates (test/factories/synthetic-patients.ts: typos, nicknames, moves, transposed
 * dates, missing fields), starts the compiled server on a fresh PostgreSQL database with Bull
 * on Redis plus extra worker processes, uploads the file over HTTP, polls to completion and
 * prints rows/s, wall time, peak RSS per process (VmHWM) and precision / recall / F1 of the
 * persons against the generator's truth (the truth never reaches the service).
 *
 * Also (BENCH_FEBRL=0 to skip) FEBRL3 as one batch file and, into another fresh database, one
 * PUT at a time: F1 of each and how many records the two group differently.
 *
 * BENCH_N (default "100000"; e.g. "100000,1000000"), BENCH_WORKERS (extra worker processes,
 * default 1), BENCH_SEED (default 42), BENCH_REDIS_URL (default redis://127.0.0.1:6379/2),
 * BENCH_DATABASE_ADMIN_URL, BATCH_CHUNK_ROWS / BATCH_CONCURRENCY (passed to the server),
 * BENCH_LOG_LEVEL (the processes' LOG_LEVEL, default warn; `debug` logs each chunk's phase
 * timings to /tmp/mpi-bench-batch-<port>.log), BENCH_NODE_ARGS (e.g. --cpu-prof),
 * BENCH_HEAP_MB (the processes' --max-old-space-size, default 704, unless BENCH_NODE_ARGS
 * sets one), BENCH_SEMI_SPACE_MB (their --max-semi-space-size, default 64, unless
 * BENCH_NODE_ARGS sets one; 0 leaves V8's default), BENCH_SINGLE_THREADED_GC (0: V8's
 * parallel collector instead of --single-threaded-gc), BENCH_DB_PREFIX (database names
 * `<prefix>_<N>`, default mpi_bench_batch),
 * BENCH_SERVER_ENTRY (the compiled entry the processes run, default this tree's
 * dist/src/main.js: e.g. another worktree's build, to compare builds back to back).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createWriteStream, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ADMIN, cpuSeconds, freshDatabase, root, rulesOfBuild } from './bench-server.js';
import { febrlDirectory, readFebrl, scoreClusters } from './febrl.js';
import { getToken, progressLine, processed, uploadFile, waitForLoad } from './batch-client.js';
import { csvFields, csvLine, SYNTHETIC_COLUMNS, syntheticPatients } from '../test/factories/synthetic-patients.js';

const sizes = (process.env.BENCH_N ?? '100000').split(',').filter((s) => s.trim() !== '').map((s) => Number(s.trim()));
const febrlDir = febrlDirectory();
const withFebrl = (process.env.BENCH_FEBRL ?? '1') !== '0';
const extraWorkers = Number(process.env.BENCH_WORKERS ?? 1);
const seed = Number(process.env.BENCH_SEED ?? 42);
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/2';
const heapMb = Number(process.env.BENCH_HEAP_MB ?? 704);
const semiSpaceMb = Number(process.env.BENCH_SEMI_SPACE_MB ?? 64);
const singleThreadedGc = (process.env.BENCH_SINGLE_THREADED_GC ?? '1') !== '0';
const dbPrefix = process.env.BENCH_DB_PREFIX ?? 'mpi_bench_batch';
const serverEntry = resolve(process.env.BENCH_SERVER_ENTRY ?? resolve(root, 'dist/src/main.js'));

async function writeFile(n: number): Promise<{ file: string; truth: Int32Array }> {
  const file = join(tmpdir(), `mpi-bench-batch-${n}-${seed}.csv`);
  const truth = new Int32Array(n + 1);
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`${SYNTHETIC_COLUMNS.join(',')}\n`);
  let buf: string[] = [];
  for (const row of syntheticPatients(n, { seed })) {
    truth[Number(row.localId.slice(1))] = row.entity;
    buf.push(csvLine(csvFields(row)));
    if (buf.length >= 5_000) {
      await write(`${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) await write(`${buf.join('\n')}\n`);
  await new Promise<void>((r) => out.end(() => r()));
  return { file, truth };
}

function startProcess(databaseUrl: string, port: number, prefix: string, migrate: boolean): ChildProcess {
  const env: Record<string, string | undefined> = {
    ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', MPI_ADMIN_CLIENT_ID: ADMIN.id, MPI_ADMIN_CLIENT_SECRET: ADMIN.secret, MIGRATIONS_RUN: migrate ? 'true' : 'false',
    BATCH_UPLOAD_LIMIT: '4gb', MATCHING_RULES_PATH: rulesOfBuild(serverEntry),
    // A million rows take longer than the default 15-minute token the progress polls use.
    MPI_TOKEN_TTL_SECONDS: '86400',
  };
  // The service's own log (warnings and errors: ids and codes, no PHI) goes to a file.
  const log = openSync(join(tmpdir(), `mpi-bench-batch-${port}.log`), 'w');
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the processes.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // V8 grows its heap far beyond what is live unless told a limit (README, Batch loads).
  if (!nodeArgs.some((a) => a.startsWith('--max-old-space-size'))) nodeArgs.push(`--max-old-space-size=${heapMb}`);
  // A young generation larger than V8's 16 MB: fewer scavenges of a chunk's short-lived objects (README, Configuration).
  if (semiSpaceMb > 0 && !nodeArgs.some((a) => a.startsWith('--max-semi-space-size'))) nodeArgs.push(`--max-semi-space-size=${semiSpaceMb}`);
  // The collector on the main thread only: the cores are busy with the other process and the database (README, Configuration).
  if (singleThreadedGc && !nodeArgs.includes('--single-threaded-gc')) nodeArgs.push('--single-threaded-gc');
  return spawn(process.execPath, [...nodeArgs, serverEntry], { env, stdio: ['ignore', log, log] });
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process on ${port} did not start`);
}

const peakRssMb = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

function score(members: Array<{ local: number; person: string }>, truth: Int32Array) {
  const pairs = (groups: Map<string | number, number[]>, same: (a: number, b: number) => boolean) => {
    let n = 0;
    let hit = 0;
    for (const g of groups.values()) for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) { n++; if (same(g[i], g[j])) hit++; }
    return { n, hit };
  };
  const byPerson = new Map<string, number[]>();
  const byEntity = new Map<number, number[]>();
  for (const m of members) {
    byPerson.set(m.person, [...(byPerson.get(m.person) ?? []), m.local]);
    byEntity.set(truth[m.local], [...(byEntity.get(truth[m.local]) ?? []), m.local]);
  }
  const predicted = pairs(byPerson, (a, b) => truth[a] === truth[b]);
  const all = pairs(byEntity, () => true);
  const precision = predicted.n ? predicted.hit / predicted.n : 0;
  const recall = all.n ? predicted.hit / all.n : 0;
  return { truePairs: all.n, predicted: predicted.n, tp: predicted.hit, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/**
 * FEBRL3 (5,000 records, one organization) as one NDJSON batch file, with exactly the
 * demographics bench:accuracy feeds one PUT at a time (scripts/febrl.ts), local ids mrn-1 …;
 * F1 from person membership against rec_id, to compare with the single-record figure.
 */
async function runFebrl3(): Promise<void> {
  const rows = readFebrl(febrlDir, 'dataset3.csv', 'febrl3').map((r, i) => ({ ...r, localId: `mrn-${i + 1}` }));
  const file = join(tmpdir(), 'mpi-bench-batch-febrl3.ndjson');
  writeFileSync(file, rows.map((r) => JSON.stringify({ localId: r.localId, demographics: r.demographics })).join('\n') + '\n');
  const report = (how: string, seconds: number, person: Map<string, string>) => {
    const s = scoreClusters(rows.filter((r) => person.has(r.localId)).map((r) => ({ recId: r.recId, cluster: person.get(r.localId)! })));
    const pct = (x: number) => (x * 100).toFixed(2);
    console.log(
      `febrl3 ${how}: records=${rows.length} stored=${person.size} ${seconds.toFixed(1)} s  truePairs=${s.truePairs} predictedPairs=${s.predicted} ` +
        `TP=${s.truePositives}  precision=${pct(s.precision)}% recall=${pct(s.recall)}% F1=${s.f1.toFixed(4)}`,
    );
  };
  const batch = await load('febrl3', file, async (databaseUrl, _final, wall) => {
    const person = await personsOf(databaseUrl);
    report('as one batch file', wall, person);
    return person;
  });
  const single = await load('febrl3_single', null, async (databaseUrl, _final, wall) => {
    const person = await personsOf(databaseUrl);
    report('one PUT at a time', wall, person);
    return person;
  }, async (base, token) => {
    // The single-record feed, in file order, over keep-alive HTTP.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const r of rows) {
      await new Promise<void>((done, fail) => {
        const body = JSON.stringify(r.demographics);
        const req = http.request(`${base}/api/v1/organizations/bench/records/${r.localId}`, {
          method: 'PUT', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        }, (res) => res.resume().on('end', () => done()));
        req.on('error', fail);
        req.end(body);
      });
    }
  });
  // The same partition into persons? Compare each record's co-members.
  const members = (m: Map<string, string>) => {
    const byPerson = new Map<string, string[]>();
    for (const [local, person] of m) byPerson.set(person, [...(byPerson.get(person) ?? []), local]);
    return new Map([...m].map(([local, person]) => [local, byPerson.get(person)!.sort().join(',')]));
  };
  const a = members(batch);
  const b = members(single);
  const differ = [...a.keys()].filter((k) => a.get(k) !== b.get(k)).length;
  console.log(`febrl3 batch vs single feed: ${differ} of ${a.size} records in a different person grouping`);
}

async function personsOf(databaseUrl: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const res = await client.query(`SELECT r.local_id AS local, l.person_id AS person FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.status = 'active'`);
  await client.end();
  return new Map((res.rows as Array<{ local: string; person: string }>).map((r) => [r.local, r.person]));
}

async function run(n: number): Promise<void> {
  const tg = Date.now();
  const { file, truth } = await writeFile(n);
  const genSeconds = (Date.now() - tg) / 1000;
  await load(String(n), file, async (databaseUrl, final, wall, uploadSeconds, rss) => {
    if (!final) return;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const res = await client.query(
      `SELECT substr(r.local_id, 2)::int AS local, l.person_id AS person FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.status = 'active'`,
    );
    const size = (await client.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
    await client.end();
    const s = score(res.rows as Array<{ local: number; person: string }>, truth);
    const pct = (x: number) => (x * 100).toFixed(2);
    console.log(
      `N=${n.toLocaleString('en-US')}  file ${(statSync(file).size / 1e6).toFixed(1)} MB (generated in ${genSeconds.toFixed(1)} s)  status=${final.status}\n` +
        `  counts ${JSON.stringify(final.counts)}  chunks ${final.chunks.total}\n` +
        `  wall ${wall.toFixed(1)} s (upload+store ${uploadSeconds.toFixed(1)} s)  ${Math.round(n / wall).toLocaleString('en-US')} rows/s  ` +
        `processes: server + ${extraWorkers} worker(s), Bull on Redis\n` +
        `  peak RSS MB: ${rss.map((r, i) => `${i === 0 ? 'server' : `worker${i}`}=${r}`).join(' ')}  database ${size}\n` +
        `  truePairs=${s.truePairs} predictedPairs=${s.predicted} TP=${s.tp}  precision=${pct(s.precision)}% recall=${pct(s.recall)}% F1=${s.f1.toFixed(4)}`,
    );
  });
}

/** A fresh database, the server and its workers, the file uploaded and polled to the end. */
async function load<T>(
  name: string,
  file: string | null,
  report: (databaseUrl: string, final: Awaited<ReturnType<typeof waitForLoad>> | null, wall: number, uploadSeconds: number, rssMb: number[]) => Promise<T>,
  /** Instead of a batch file: feed the records some other way (the single-record PUT). */
  feed?: (base: string, token: string) => Promise<void>,
): Promise<T> {
  const databaseUrl = await freshDatabase(`${dbPrefix}_${name}`);
  const prefix = `mpi-bench-batch-${process.pid}-${name}`;
  const port = 3900 + Math.floor(Math.random() * 50);
  const server = startProcess(databaseUrl, port, prefix, true);
  const procs: ChildProcess[] = [server];
  try {
    await waitHealthy(port);
    for (let w = 1; w <= extraWorkers; w++) {
      const p = startProcess(databaseUrl, port + 50 + w, prefix, false);
      procs.push(p);
      await waitHealthy(port + 50 + w);
    }
    const base = `http://127.0.0.1:${port}`;
    const token = await getToken(base, ADMIN.id, ADMIN.secret);
    await fetch(`${base}/api/v1/organizations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'bench', name: 'Bench', assigningAuthority: 'urn:oid:1.3.6.1.4.1.99999.77' }) });
    const t0 = Date.now();
    if (feed) {
      await feed(base, token);
      return await report(databaseUrl, null, (Date.now() - t0) / 1000, 0, procs.map((p) => peakRssMb(p.pid!)));
    }
    const cpu = new CpuMeter(databaseUrl, procs.map((p) => p.pid!));
    await cpu.sample();
    const { id } = await uploadFile(base, token, 'bench', file!);
    const uploadSeconds = (Date.now() - t0) / 1000;
    const final = await waitForLoad(base, token, id, (s) => {
      void cpu.sample();
      process.stderr.write(`\r${progressLine(processed(s), s.counts.rows, t0)}`);
    }, 2_000);
    process.stderr.write('\n');
    const wall = (Date.now() - t0) / 1000;
    await cpu.sample();
    await cpu.close();
    const rss = procs.map((p) => peakRssMb(p.pid!));
    const rows = final.counts.rows || 1;
    console.log(
      `  CPU: service processes ${cpu.node.toFixed(1)} s, database backends ${cpu.db.toFixed(1)} s ` +
        `(${((cpu.node * 1000) / rows).toFixed(3)} + ${((cpu.db * 1000) / rows).toFixed(3)} ms per row; 2 cores give ${(2 * wall).toFixed(0)} s)`,
    );
    return await report(databaseUrl, final, wall, uploadSeconds, rss);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  }
}

/**
 * CPU seconds of the service processes and of the database's backends since the first
 * sample; backends are sampled every poll, so one that ends meanwhile still counts.
 */
class CpuMeter {
  private readonly client: pg.Client;
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly connected: Promise<unknown>;
  private started = false;
  node = 0;
  db = 0;

  constructor(databaseUrl: string, private readonly pids: number[]) {
    this.client = new pg.Client({ connectionString: databaseUrl });
    this.connected = this.client.connect();
  }

  async sample(): Promise<void> {
    await this.connected;
    const backends = (await this.client.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid as number);
    for (const [pid, kind] of [...this.pids.map((p) => [p, 'node'] as const), ...backends.map((p) => [p, 'db'] as const)]) {
      const s = cpuSeconds(pid);
      if (s === 0) continue;
      // Processes seen at the first sample count from there; a backend started later, from zero.
      if (!this.first.has(pid)) this.first.set(pid, !this.started || kind === 'node' ? s : 0);
      this.last.set(pid, s);
    }
    this.started = true;
    this.node = this.pids.reduce((t, p) => t + (this.last.get(p) ?? 0) - (this.first.get(p) ?? 0), 0);
    this.db = [...this.last.keys()].filter((p) => !this.pids.includes(p)).reduce((t, p) => t + this.last.get(p)! - this.first.get(p)!, 0);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

console.log(`server entry ${serverEntry}`);
if (withFebrl) await runFebrl3();
for (const n of sizes) await run(n);
