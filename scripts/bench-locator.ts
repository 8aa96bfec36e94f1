/**
 * `npm run bench:locator`: record locator latency and throughput over HTTP at a stated size.
 *
 * 1. Creates a fresh PostgreSQL database `mpi_bench_locator` and starts the built server
 *    (dist/src/main.js) on it; the server applies the migrations.
 * 2. Seeds BENCH_RECORDS (default 100,000) source records of BENCH_RECORDS / 2.5 persons at 20
 *    organizations (2–3 organizations per person), with endpoints (one switched off per
 *    organization). Seeding BYPASSES THE FEED: demographics are synthetic, normalized and
 *    blocked by the service's own engine in this process (so demographic search finds them
 *    exactly as it would fed records), then written with bulk INSERT ... SELECT FROM unnest /
 *    generate_series straight into organization, endpoint, person, source_record,
 *    blocking_key and record_link. No matching decisions are made: each person's records are
 *    linked to it as the feed would have after certain matches.
 * 3. Measures with autocannon, for BENCH_SECONDS each (default 15), GET /record-locations by
 *    MRN, by SSN, and POST /record-locations/search by demographics, two ways:
 *    - throughput: BENCH_CONNECTIONS (default 10) keep-alive connections sending as fast as
 *      they can (closed loop): the most requests/s the server answers;
 *    - latency at a fixed load, open loop: BENCH_RATES requests/s offered (default
 *      "1000,1500"), by scripts/open-loop.ts in a process of its own, over
 *      BENCH_RATE_CONNECTIONS keep-alive connections (default 20): requests are scheduled at
 *      a constant rate (BENCH_ARRIVALS=poisson for Poisson arrivals) whatever the server does,
 *      after BENCH_OPEN_WARMUP seconds (default 1) at the same rate on the same connections,
 *      not measured (the generator's own JIT and connection set-up),
 *      and latency counts from each request's scheduled send time, so a server that falls
 *      behind shows as latency, not as fewer requests (autocannon's `overallRate` is a closed
 *      loop: it sends in bursts and waits, which hides that). A closed loop at saturation only
 *      measures queueing: with 10 connections, 1,000 req/s means a 10 ms mean by Little's law
 *      whatever the server does.
 *    The generator is bundled by esbuild and run by plain node, not through tsx: tsx's
 *    loader thread, idle, collected its heap ~8 s into every run, and on two cores that
 *    stalled the generator's sends by 10-30 ms at the same moment of each run.
 *    Each request writes its audit event, as in production. Prints the latency percentiles,
 *    requests/s, CPU per request, the load average before each run (the machine is shared),
 *    database size and server RSS.
 *
 * Needs `npm run build`. BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * BENCH_REUSE=1 keeps an already seeded `mpi_bench_locator` of the same size (skips seeding);
 * BENCH_DB_SUFFIX is appended to that name (e.g. `_cpu`: `mpi_bench_locator_cpu`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { buildSync } from 'esbuild';
import pg from 'pg';
import { blockingKeys, type Demographics, normalize, SSN_SYSTEM } from '../src/matching/engine/index.js';
import { loadRuleSet } from '../src/matching/rules/load-rule-set.js';
import type { OpenLoopResult } from './open-loop.js';
import { ADMIN, adminUrl, cpuSnapshot, cpuSpent, freshDatabase, root, rssMb, startServer } from './bench-server.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const PERSONS = Math.ceil(RECORDS / 2.5);
const ORGS = 20;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATES = (process.env.BENCH_RATES ?? process.env.BENCH_RATE ?? '1000,1500').split(',').map(Number).filter((n) => n > 0);
const ARRIVALS = process.env.BENCH_ARRIVALS === 'poisson' ? 'poisson' : 'constant';
/**
 * Which runs (default all): mrn, ssn, search (closed loop), open-mrn, open-ssn, floor (the
 * open-loop generator against a trivial server) — e.g. BENCH_RUNS=mrn to profile one.
 */
const RUNS = new Set((process.env.BENCH_RUNS ?? 'mrn,ssn,search,open-mrn,open-ssn,floor').split(',').map((x) => x.trim()));
const RATE_CONNECTIONS = Number(process.env.BENCH_RATE_CONNECTIONS ?? 20);
/** BENCH_SAMPLES_DIR: each open-loop run writes its requests' scheduled time and latency there (`at latency` per line), to see when the slow ones happened. */
const SAMPLES_DIR = process.env.BENCH_SAMPLES_DIR;
const OPEN_WARMUP = Number(process.env.BENCH_OPEN_WARMUP ?? 1);
// BENCH_DB_SUFFIX (as bench:accuracy): appended to the database name, so two engineers' runs keep their own seeded data.
const DB = `mpi_bench_locator${process.env.BENCH_DB_SUFFIX ?? ''}`;
const aa = (org: number) => `urn:oid:2.16.840.1.113883.3.7${String(org).padStart(3, '0')}`;

// A deterministic generator: the same data set on every run.
let rngState = 20240611;
const rand = () => {
  // mulberry32
  rngState = (rngState + 0x6d2b79f5) | 0;
  let x = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const ONSETS = ['B', 'C', 'D', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'T', 'V', 'W', 'Z', 'Br', 'Ch', 'Cl', 'Dr', 'Gr', 'Kr', 'Pr', 'Sh', 'St', 'Th', 'Tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'y'];
const CODAS = ['', 'n', 'r', 'l', 's', 'th', 'ck', 'm', 'nd', 'rt', 'x', 'ng'];
const syllable = () => pick(ONSETS) + pick(VOWELS) + pick(CODAS);
const word = (n: number) => { const w = Array.from({ length: n }, syllable).join('').toLowerCase(); return w[0].toUpperCase() + w.slice(1); };
const GIVEN = Array.from({ length: 1500 }, () => word(2));
const FAMILY = Array.from({ length: 6000 }, () => word(2 + Math.floor(rand() * 2)));
const CITIES = ['Madison', 'Austin', 'Atlanta', 'Boston', 'Edison', 'Jackson', 'Brooklyn', 'Omaha', 'Phoenix', 'Honolulu', 'Chicago', 'Nashville'];

function personDemographics(p: number): Demographics {
  const y = 1930 + Math.floor(rand() * 90);
  const d = (n: number) => String(n).padStart(2, '0');
  // Unique per person: (p mod 7, p mod 89) tells the 100 persons of one serial apart.
  const ssn = `5${d(1 + (p % 7))}-${10 + (p % 89)}-${1000 + Math.floor(p / 100)}`;
  return {
    name: [{ family: pick(FAMILY), given: [pick(GIVEN), pick(GIVEN)] }],
    birthDate: `${y}-${d(1 + Math.floor(rand() * 12))}-${d(1 + Math.floor(rand() * 28))}`,
    sex: rand() < 0.5 ? 'female' : 'male',
    address: [{ line: [`${1 + Math.floor(rand() * 9000)} ${pick(FAMILY)} St`], city: pick(CITIES), state: 'WI', postalCode: String(10000 + Math.floor(rand() * 89999)), country: 'US' }],
    telecom: [{ system: 'phone', value: `608-555-${String(p % 10000).padStart(4, '0')}` }],
    identifiers: [{ system: SSN_SYSTEM, value: ssn }],
  };
}


/** Seeds straight into the tables (bypassing the feed). */
async function seed(db: pg.Client, persons: Demographics[]): Promise<void> {
  const rs = loadRuleSet(resolve(root, 'matching-rules/default.json'));
  await db.query(
    `INSERT INTO organization (id, name, assigning_authority)
     SELECT 'org-' || n, 'Organization ' || n, 'urn:oid:2.16.840.1.113883.3.7' || lpad(n::text, 3, '0') FROM generate_series(0, $1 - 1) n`,
    [ORGS],
  );
  await db.query(
    `INSERT INTO endpoint (organization_id, id, connection_type, address, status)
     SELECT 'org-' || n, 'fhir', 'hl7-fhir-rest', 'https://org-' || n || '.example/fhir', 'active' FROM generate_series(0, $1 - 1) n
     UNION ALL SELECT 'org-' || n, 'xca', 'ihe-xca', 'https://org-' || n || '.example/xca', 'active' FROM generate_series(0, $1 - 1) n WHERE n % 2 = 0
     UNION ALL SELECT 'org-' || n, 'old', 'hl7-fhir-rest', 'https://old.org-' || n || '.example/fhir', 'off' FROM generate_series(0, $1 - 1) n`,
    [ORGS],
  );
  await db.query(`INSERT INTO person (id) SELECT md5('p' || n)::uuid FROM generate_series(0, $1 - 1) n`, [PERSONS]);
  const normalized = persons.map((d) => normalize(d));
  const keys = normalized.map((n) => blockingKeys(n, rs));
  const BATCH = 5000;
  for (let start = 0; start < RECORDS; start += BATCH) {
    const ids: number[] = [];
    for (let i = start; i < Math.min(RECORDS, start + BATCH); i++) ids.push(i);
    // Record i belongs to person i mod PERSONS, at organization (person + round) mod ORGS: 2–3 organizations each.
    const personOf = (i: number) => i % PERSONS;
    const orgOf = (i: number) => (personOf(i) + Math.floor(i / PERSONS)) % ORGS;
    await db.query(
      `INSERT INTO source_record (id, organization_id, local_id, demographics, normalized, content_hash)
       SELECT md5('r' || i)::uuid, 'org-' || o, 'MRN-' || i, d, n, md5(d::text)
       FROM unnest($1::int[], $2::int[], $3::json[], $4::json[]) AS t(i, o, d, n)`,
      [ids, ids.map(orgOf), ids.map((i) => JSON.stringify(persons[personOf(i)])), ids.map((i) => JSON.stringify(normalized[personOf(i)]))],
    );
    const kRecord: number[] = [];
    const kKey: string[] = [];
    for (const i of ids) for (const k of keys[personOf(i)]) { kRecord.push(i); kKey.push(k); }
    await db.query(`INSERT INTO blocking_key (key, record_id) SELECT k, md5('r' || i)::uuid FROM unnest($1::text[], $2::int[]) AS t(k, i)`, [kKey, kRecord]);
  }
  await db.query(
    `INSERT INTO record_link (record_id, person_id, method, grade, score, probability, reason, rule_set_id, rule_set_version, rule_set_hash, linked_by)
     SELECT md5('r' || i)::uuid, md5('p' || (i % $2))::uuid, 'auto', CASE WHEN i < $2 THEN NULL ELSE 'certain' END,
            CASE WHEN i < $2 THEN NULL ELSE 40 + (i % 20) END, CASE WHEN i < $2 THEN NULL ELSE 0.9999 END,
            CASE WHEN i < $2 THEN 'new-person' ELSE 'auto-link' END, $3, $4, $5, 'bench-seed'
     FROM generate_series(0, $1 - 1) i`,
    [RECORDS, PERSONS, rs.id, rs.version, rs.hash],
  );
  // VACUUM flushes the GIN pending list the bulk insert left; ANALYZE gives the planner the sizes.
  await db.query(`VACUUM ANALYZE`);
  // The seed's WAL (4 GB at 1M records) would otherwise start a checkpoint inside the first
  // measured run: a load of a second before is not what a locator in service runs beside.
  await db.query(`CHECKPOINT`);
}

/** Whether the database is there and holds a seeded data set of this size. */
async function alreadySeeded(): Promise<boolean> {
  const u = new URL(adminUrl);
  u.pathname = `/${DB}`;
  const c = new pg.Client({ connectionString: u.toString() });
  try {
    await c.connect();
    const [{ n }] = (await c.query(`SELECT count(*)::int AS n FROM source_record WHERE local_id LIKE 'MRN-%'`)).rows;
    return n === RECORDS;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

interface Run {
  name: string;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  serverCpu: number;
  dbCpu: number;
  /** 1-minute load average when the run started (the machine is shared). */
  load: number;
  /** Open-loop runs: requests that got a connection > 2 ms after their scheduled time, and those never answered. */
  late?: number;
  dropped?: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(name: string, opts: autocannon.Options): Promise<Run> {
  const times: number[] = [];
  const load = loadavg()[0];
  const before = await cpuSnapshot(server, db);
  const result = await new Promise<autocannon.Result>((resolveRun, reject) => {
    const instance = autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (err, r) => (err ? reject(err) : resolveRun(r)));
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  const after = await cpuSnapshot(server, db);
  const n = Math.max(1, result.requests.total);
  return {
    serverCpu: (cpuSpent(before.server, after.server) * 1000) / n,
    dbCpu: (cpuSpent(before.db, after.db) * 1000) / n,
    name,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
    max: times[times.length - 1] ?? 0,
    rps: result.requests.total / (result.duration || SECONDS),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    load,
  };
}

let bundled: string | undefined;

/** scripts/open-loop.ts bundled into one plain ES module, run by node without tsx's loader thread. */
function openLoopBundle(): string {
  if (!bundled) {
    bundled = join(mkdtempSync(join(tmpdir(), 'bench-open-loop-')), 'open-loop.mjs');
    buildSync({ entryPoints: [resolve(root, 'scripts/open-loop.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundled, logLevel: 'warning' });
  }
  return bundled;
}

/** An open-loop run at `rate` req/s over the paths in `pathsFile`, by scripts/open-loop.ts in a child process. */
async function measureOpenLoop(name: string, pathsFile: string, rate: number, headers: Record<string, string>, url = base): Promise<Run> {
  const load = loadavg()[0];
  const before = await cpuSnapshot(server, db);
  const args = ['--url', url, '--paths-file', pathsFile, '--rate', String(rate), '--seconds', String(SECONDS), '--connections', String(RATE_CONNECTIONS), '--arrivals', ARRIVALS, '--warmup-seconds', String(OPEN_WARMUP), '--json'];
  for (const [k, v] of Object.entries(headers)) args.push('--header', `${k}: ${v}`);
  if (SAMPLES_DIR) args.push('--samples-file', join(SAMPLES_DIR, `${name.replace(/[^A-Za-z0-9@]+/g, '-').replace(/^-|-$/g, '')}.txt`));
  const child = spawn(process.execPath, [openLoopBundle(), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`open-loop generator exited with ${code}`);
  const r = JSON.parse(out) as OpenLoopResult;
  const after = await cpuSnapshot(server, db);
  const n = Math.max(1, r.completed);
  return {
    name,
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
    max: r.max,
    rps: r.achievedRate,
    requests: r.completed,
    non2xx: r.non2xx,
    errors: r.errors,
    serverCpu: (cpuSpent(before.server, after.server) * 1000) / n,
    dbCpu: (cpuSpent(before.db, after.db) * 1000) / n,
    load,
    late: r.late,
    dropped: r.dropped,
  };
}

const port = 3900 + Math.floor(Math.random() * 100);
// The same data set on every run (the generator is deterministic).
const persons = Array.from({ length: PERSONS }, (_, p) => personDemographics(p));
const reuse = process.env.BENCH_REUSE === '1' && (await alreadySeeded());
const databaseUrl = reuse ? Object.assign(new URL(adminUrl), { pathname: `/${DB}` }).toString() : await freshDatabase(DB);
const server = await startServer(databaseUrl, port);
const base = `http://127.0.0.1:${port}`;
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
try {
  const t0 = performance.now();
  if (!reuse) await seed(db, persons);
  const seedSeconds = (performance.now() - t0) / 1000;
  // A reused database has the audit events of earlier runs: analyze it now, or the service's
  // own analyzer (autovacuum is off here) would do it, and re-plan every connection's
  // statements, in the middle of the first measured run.
  if (reuse) await db.query(`ANALYZE`);
  const [{ n: recordCount }] = (await db.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`)).rows;
  console.log(
    reuse
      ? `reused the seeded database: ${recordCount} records, ${PERSONS} persons, ${ORGS} organizations`
      : `seeded ${recordCount} records, ${PERSONS} persons, ${ORGS} organizations in ${seedSeconds.toFixed(1)} s (bulk SQL, bypassing the feed)`,
  );

  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return res.json() as Promise<Record<string, unknown>>;
  };
  const admin = (await post('/auth/token', { grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: ADMIN.secret })).access_token as string;
  const client = await post('/api/v1/clients', { name: 'bench query', scopes: ['query'] }, admin);
  const token = (await post('/auth/token', { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret })).access_token as string;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  // Record i is at organization (i mod PERSONS + floor(i / PERSONS)) mod ORGS under local id MRN-i.
  const mrnPath = () => {
    const i = Math.floor(Math.random() * RECORDS);
    const org = ((i % PERSONS) + Math.floor(i / PERSONS)) % ORGS;
    return `/api/v1/record-locations?identifier=${encodeURIComponent(`${aa(org)}|MRN-${i}`)}&purpose=TREATMENT`;
  };
  const ssnPath = () => {
    const p = Math.floor(Math.random() * PERSONS);
    return `/api/v1/record-locations?identifier=${encodeURIComponent(`${SSN_SYSTEM}|${persons[p].identifiers![0].value}`)}`;
  };
  const searchBody = () => {
    const p = persons[Math.floor(Math.random() * PERSONS)];
    // What an EHR has at registration: name, birth date, sex, address; no SSN.
    return JSON.stringify({ demographics: { name: p.name, birthDate: p.birthDate, sex: p.sex, address: p.address } });
  };

  // Sanity: each kind answers with locations (not an empty or error answer).
  const check = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, { headers, ...init });
    const body = (await res.json()) as { personId: string | null; locations: unknown[] };
    if (res.status !== 200 || !body.personId || body.locations.length < 2) throw new Error(`sanity check failed for ${path.split('?')[0]}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  };
  await check(mrnPath());
  await check(ssnPath());
  for (let k = 0; k < 5; k++) await check('/api/v1/record-locations/search', { method: 'POST', body: searchBody() });

  // Warm-up (JIT, connection pool, caches), not measured.
  await measure('warm-up', { url: base, duration: 3, headers, requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: mrnPath() }) }] });

  const kinds: Array<[string, string, autocannon.Request[]]> = [
    ['mrn', 'by identifier (MRN)', [{ method: 'GET', setupRequest: (r) => ({ ...r, path: mrnPath() }) }]],
    ['ssn', 'by identifier (SSN)', [{ method: 'GET', setupRequest: (r) => ({ ...r, path: ssnPath() }) }]],
    ['search', 'by demographics (search)', [{ method: 'POST', path: '/api/v1/record-locations/search', setupRequest: (r) => ({ ...r, body: searchBody() }) }]],
  ];
  const runs: Run[] = [];
  for (const [key, name, requests] of kinds) if (RUNS.has(key)) runs.push(await measure(`${name}`, { url: base, headers, requests }));
  // Open loop: the same kinds of paths (20,000 of each, picked at random per request).
  const pathsDir = mkdtempSync(join(tmpdir(), 'bench-locator-'));
  try {
    const pathFiles: Array<[string, string]> = (
      [
        ['open-mrn', 'by identifier (MRN)', mrnPath],
        ['open-ssn', 'by identifier (SSN)', ssnPath],
      ] as const
    ).filter(([key]) => RUNS.has(key)).map(([, name, path], k) => {
      const text = Array.from({ length: 20_000 }, path).join('\n');
      const file = join(pathsDir, `paths-${k}.txt`);
      writeFileSync(file, text);
      return [name, file];
    });
    for (const rate of RATES) {
      for (const [name, file] of pathFiles) runs.push(await measureOpenLoop(`${name} open @${rate}/s`, file, rate, { authorization: headers.authorization }));
    }
    if (RUNS.has('floor') && pathFiles.length > 0) {
      // The floor: the same generator against a trivial HTTP server (its own process, '{}' per
      // request) on the same machine at the same moment: what the machine and the generator
      // alone add to every latency above.
      const floorPort = port + 100;
      const trivial = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{}'); }).listen(${floorPort}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => trivial.stdout.once('data', r));
      try {
        runs.push(await measureOpenLoop(`floor: trivial server open @${RATES[0]}/s`, pathFiles[0][1], RATES[0], {}, `http://127.0.0.1:${floorPort}`));
      } finally {
        trivial.kill('SIGTERM');
      }
    }
  } finally {
    rmSync(pathsDir, { recursive: true, force: true });
  }

  const [{ size }] = (await db.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`)).rows;
  const [{ n: audits }] = (await db.query(`SELECT count(*)::int AS n FROM audit_event WHERE action LIKE 'locator.%'`)).rows;
  const mem = rssMb(server);
  console.log(`\n${recordCount} records · ${SECONDS} s per run · server LOG_LEVEL=warn, HTTP_WORKERS=${process.env.HTTP_WORKERS ?? 1} · one audit event per request`);
  console.log(`throughput runs: ${CONNECTIONS} connections as fast as they go (autocannon, closed loop)`);
  console.log(`'open @N/s' runs: N req/s offered, ${ARRIVALS} arrivals, over ${RATE_CONNECTIONS} keep-alive connections (scripts/open-loop.ts bundled, its own process), after ${OPEN_WARMUP} s unmeasured at the same rate; latency from the scheduled send time`);
  console.log('run                                       p50 ms   p95 ms   p99 ms   max ms     req/s  requests  non-2xx  errors  late  dropped  CPU ms/req: server  database  load');
  for (const r of runs) {
    console.log(
      `${r.name.padEnd(40)} ${r.p50.toFixed(1).padStart(7)}  ${r.p95.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ${r.max.toFixed(1).padStart(7)}   ${r.rps.toFixed(0).padStart(7)}  ${String(r.requests).padStart(8)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}  ${(r.late === undefined ? '-' : String(r.late)).padStart(4)}  ${(r.dropped === undefined ? '-' : String(r.dropped)).padStart(7)}   ${r.serverCpu.toFixed(2).padStart(18)}  ${r.dbCpu.toFixed(2).padStart(8)}  ${r.load.toFixed(1).padStart(4)}`,
    );
  }
  console.log(`database size ${size} (after ${audits} locator audit events) · server RSS ${mem.rss} MB (peak ${mem.peak} MB) per process`);
} finally {
  await db.end();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  if (bundled) rmSync(dirname(bundled), { recursive: true, force: true });
}
