/**
 * `npm run bench:accuracy`: loads FEBRL (and a synthetic household population) through the service's own HTTP feed (one PUT per
 * record, in file order) into a fresh PostgreSQL database per data set, then reads every
 * record's personId back and scores the pairs that person membership implies against the
 * FEBRL truth: precision, recall, F1, feed wall time and rate. No label reaches the service.
 *
 *   FEBRL4: dataset4a.csv as organization febrl4a, then dataset4b.csv as febrl4b
 *   FEBRL3: dataset3.csv as one organization; FEBRL2: dataset2.csv as one organization
 *   households: 4,000 synthetic households (twins, Sr/Jr, spouses, parents and children
 *   sharing surname, address and phone) registered at six organizations, seed 7
 *
 * Needs `npm run build`. BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * FEBRL_DIR (default ../shared/datasets/febrl, else test/fixtures/febrl), BENCH_DATASETS (e.g. "febrl4"),
 * BENCH_DB_SUFFIX (appended to the database names, to run two benchmarks side by side),
 * BENCH_DB_SETTINGS (per-database settings for diagnosis, e.g.
 * "log_min_duration_statement=0;log_parameter_max_length=0" for every statement's duration in
 * the server log, or "session_preload_libraries=auto_explain;auto_explain.log_min_duration=2;
 * auto_explain.log_analyze=on" for the plans of slow ones).
 */
import http from 'node:http';
import { resolve } from 'node:path';
import { febrlDirectory, type FebrlRow, readFebrl, scoreClusters } from './febrl.js';
import { householdPopulation } from '../test/factories/household-population.js';
import pg from 'pg';
import { ADMIN, cpuSnapshot, cpuSpent, freshDatabase, root, startServer } from './bench-server.js';

const febrlDir = febrlDirectory();
const concurrency = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 1));
const wanted = (process.env.BENCH_DATASETS ?? 'febrl4,febrl3,febrl2,households').split(',');

type Row = FebrlRow & { localId: string };
/** FEBRL files (one organization each, local ids are row numbers: never the truth-bearing rec_id). */
const febrl = (...parts: Array<{ file: string; org: string }>) => (): { orgs: string[]; rows: Row[] } => ({
  orgs: parts.map((p) => p.org),
  rows: parts.flatMap((p) => readFebrl(febrlDir, p.file, p.org).map((r, n) => ({ ...r, localId: `mrn-${n + 1}` }))),
});
const DATASETS: Record<string, () => { orgs: string[]; rows: Row[] }> = {
  febrl4: febrl({ file: 'dataset4a.csv', org: 'febrl4a' }, { file: 'dataset4b.csv', org: 'febrl4b' }),
  febrl3: febrl({ file: 'dataset3.csv', org: 'febrl3' }),
  febrl2: febrl({ file: 'dataset2.csv', org: 'febrl2' }),
  // 4,000 synthetic households registered at six organizations (test/factories/household-population.ts).
  households: () => {
    const population = householdPopulation({ seed: 7, households: 4000 });
    const rows = population.records.map((r) => ({ recId: `rec-${r.entity}-${r.localId}`, org: r.organizationId, localId: r.localId, demographics: r.demographics }));
    return { orgs: [...new Set(rows.map((r) => r.org))].sort(), rows };
  },
};


// A plain keep-alive HTTP client: cheaper per request than fetch, so the figure is the server's.
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 1)) });
function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = http.request(`${base}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function runDataset(name: string, port: number): Promise<void> {
  const dataset = DATASETS[name];
  if (!dataset) throw new Error(`unknown data set ${name} (known: ${Object.keys(DATASETS).join(', ')})`);
  const { orgs, rows } = dataset();
  const databaseUrl = await freshDatabase(`mpi_bench_${name}${process.env.BENCH_DB_SUFFIX ?? ''}`);
  const proc = await startServer(databaseUrl, port);
  const base = `http://127.0.0.1:${port}`;
  try {
    const tokenRes = await fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: ADMIN.secret }) });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    for (const [i, org] of orgs.entries()) {
      await call(base, token, 'POST', '/api/v1/organizations', { id: org, name: org, assigningAuthority: `urn:oid:1.3.6.1.4.1.99999.${i + 1}` });
    }
    const outcomes: Record<string, number> = {};
    let rejected = 0;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const cpu0 = await cpuSnapshot(proc, db);
    const statuses: Record<number, number> = {};
    const t0 = performance.now();
    // BENCH_CONCURRENCY clients feed at once (each takes the next row), as a client in a hurry would.
    let next = 0;
    const dump = process.env.BENCH_DUMP;
    const decisions = new Map<string, unknown>();
    const client = async () => {
      while (next < rows.length) {
        const r = rows[next++];
        const res = await call(base, token, 'PUT', `/api/v1/organizations/${r.org}/records/${r.localId}`, r.demographics);
        if (res.status >= 300) {
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          rejected++;
          if (rejected <= 3) console.error(`  rejected ${r.org}/${r.localId}: ${res.status} ${JSON.stringify(res.json?.details ?? res.json?.message)}`);
          continue;
        }
        outcomes[res.json.decision.outcome] = (outcomes[res.json.decision.outcome] ?? 0) + 1;
        if (dump) decisions.set(r.recId, { outcome: res.json.decision.outcome, reasons: res.json.decision.reasons });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    const feedSeconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpuSnapshot(proc, db);
    await db.end();
    const perRecord = (cpu: number) => ((cpu * 1000) / rows.length).toFixed(2);
    const members: Array<{ recId: string; cluster: string }> = [];
    for (const r of rows) {
      const res = await call(base, token, 'GET', `/api/v1/organizations/${r.org}/records/${r.localId}`);
      if (res.status === 200) members.push({ recId: r.recId, cluster: res.json.personId });
    }
    if (dump) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${dump}.${name}.jsonl`, members.map((x) => JSON.stringify({ ...x, ...(decisions.get(x.recId) as object) })).join('\n'));
    }
    const metrics = (await call(base, token, 'GET', '/api/v1/matching/metrics')).json;
    const s = scoreClusters(members);
    const pct = (x: number) => (x * 100).toFixed(2);
    console.log(
      `${name.padEnd(7)} records=${rows.length} rejected=${rejected} ${JSON.stringify(statuses)} truePairs=${s.truePairs} predictedPairs=${s.predicted} TP=${s.truePositives}\n` +
        `        precision=${pct(s.precision)}%  recall=${pct(s.recall)}%  F1=${s.f1.toFixed(4)}\n` +
        `        outcomes ${JSON.stringify(outcomes)}  pairsScored=${metrics.pairsScored} oversizedBlocksSkipped=${metrics.oversizedBlocksSkipped}\n` +
        `        feed over HTTP: ${feedSeconds.toFixed(1)} s (${Math.round(rows.length / feedSeconds)} records/s, ${concurrency === 1 ? 'one request at a time' : `${concurrency} clients at once`}); CPU per record: server ${perRecord(cpuSpent(cpu0.server, cpu1.server))} ms, database ${perRecord(cpuSpent(cpu0.db, cpu1.db))} ms\n` +
        `        rule set ${metrics.ruleSet.id} v${metrics.ruleSet.version}`,
    );
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

const port = 3700 + Math.floor(Math.random() * 200);
for (const name of wanted) await runDataset(name.trim(), port);
