/**
 * Development tool: simulate the incremental MPI in memory with only the matching engine
 * on the FEBRL data sets and print precision / recall / F1, pairs scored, reviews, time
 * and scorePair throughput. Truth labels (rec_id) are used only after the run, to score.
 *
 *   npm run eval:engine            (FEBRL_DIR overrides ../shared/datasets/febrl, else test/fixtures/febrl)
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuleSet } from '../src/matching/rules/load-rule-set.js';
import { entityOf, febrlDirectory, readFebrl } from './febrl.js';
import { householdPopulation, type Population } from '../test/factories/household-population.js';
import { normalize, scorePair, type CompiledRuleSet, type MatchScore } from '../src/matching/engine/index.js';
import { simulate, type RunResult, type SourceRow, type Stored } from './engine-simulation.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const febrlDir = febrlDirectory();
const traceErrors = process.env.EVAL_ERRORS === '1';
const rulesFile = resolve(root, process.env.RULES_FILE ?? 'matching-rules/default.json');

function evaluate(name: string, r: RunResult, crossOrgOnly: boolean): void {
  const byPerson = new Map<number, Stored[]>();
  for (const s of r.stored) {
    const l = byPerson.get(s.person);
    if (l) l.push(s);
    else byPerson.set(s.person, [s]);
  }
  let predicted = 0;
  let tp = 0;
  for (const members of byPerson.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        if (crossOrgOnly && members[i].org === members[j].org) continue;
        predicted++;
        if (entityOf(members[i].recId) === entityOf(members[j].recId)) tp++;
      }
    }
  }
  const byEntity = new Map<string, Stored[]>();
  for (const s of r.stored) {
    const e = entityOf(s.recId);
    const l = byEntity.get(e);
    if (l) l.push(s);
    else byEntity.set(e, [s]);
  }
  let truePairs = 0;
  for (const m of byEntity.values()) {
    for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m.length; j++) if (!crossOrgOnly || m[i].org !== m[j].org) truePairs++;
  }
  const p = predicted === 0 ? 0 : tp / predicted;
  const rc = truePairs === 0 ? 0 : tp / truePairs;
  const f1 = p + rc === 0 ? 0 : (2 * p * rc) / (p + rc);
  const pct = (x: number): string => (x * 100).toFixed(2);
  console.log(
    [
      `${name.padEnd(7)} records=${r.stored.length} truePairs=${truePairs} predicted=${predicted} TP=${tp}`,
      `  precision=${pct(p)}%  recall=${pct(rc)}%  F1=${pct(f1)}%`,
      `  linked=${r.linked} sameSourceLinks=${r.sameSource} reviews=${r.reviews} pairsScored=${r.pairsScored} oversizedBlocksSkipped=${r.skippedBlocks}`,
      `  wall=${(r.wallMs / 1000).toFixed(2)}s  scorePair=${Math.round(r.pairsScored / (r.scoreMs / 1000)).toLocaleString('en-US')} pairs/s (in run)`,
      `  decision reasons: ${[...r.reasonCounts.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      `  review tasks by first reason (bestIsSameEntity / total): ${reviewBreakdown(r)}`,
    ].join('\n'),
  );
}

/** Post-run only: for each review, whether its best candidate is truly the same entity. */
function reviewBreakdown(r: RunResult): string {
  const by = new Map<string, { same: number; total: number }>();
  for (const d of r.reviewsDetail) {
    const e = by.get(d.reason) ?? { same: 0, total: 0 };
    e.total++;
    if (d.best !== null && entityOf(r.stored[d.best].recId) === entityOf(r.stored[d.incoming].recId)) e.same++;
    by.set(d.reason, e);
  }
  return [...by.entries()].map(([k, v]) => `${k}=${v.same}/${v.total}`).join(' ') || 'none';
}

/**
 * Error analysis (EVAL_ERRORS=1), after the run: every missed true pair and every false
 * pair, classified from the later record's decision (blocking miss, below review, review
 * reason, linked elsewhere) with the per-field levels of the pair. Truth is read here only.
 */
function listErrors(name: string, r: RunResult, crossOrgOnly: boolean): void {
  const fmt = (s: MatchScore): string =>
    s.contributions
      .filter((c) => c.level !== 'missing' || c.a !== null || c.b !== null)
      .map((c) => `${c.field}=${c.level}(${c.a ?? '∅'}|${c.b ?? '∅'} ${c.weight.toFixed(1)})`)
      .join(' ');
  const causes = new Map<string, number>();
  const lines: string[] = [];
  for (let j = 0; j < r.stored.length; j++) {
    const b = r.stored[j];
    for (let i = 0; i < j; i++) {
      const a = r.stored[i];
      if (crossOrgOnly && a.org === b.org) continue;
      const same = entityOf(a.recId) === entityOf(b.recId);
      const together = a.person === b.person;
      if (same === together) continue;
      const s = b.trace?.scores.get(i);
      let cause: string;
      if (!same) cause = 'FALSE-LINK';
      else if (!s) cause = 'blocking-miss';
      else if (b.trace?.outcome === 'linked') cause = 'linked-elsewhere';
      else if (b.trace?.outcome === 'review') cause = `review:${b.trace.reasons.filter((x) => x !== 'no-match-asserted').join('+')}`;
      else cause = 'below-review';
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
      lines.push(`${name} ${cause} ${a.recId}~${b.recId} p=${s ? s.probability.toFixed(4) : '-'} w=${s ? s.weight.toFixed(1) : '-'} ${s ? fmt(s) : ''}`);
    }
  }
  // Per record: a record whose entity was already stored but which did not join a person
  // holding any of those earlier records (the root causes of the pair errors above).
  const splits = new Map<string, number>();
  const firstOf = new Map<string, number>();
  for (let j = 0; j < r.stored.length; j++) {
    const b = r.stored[j];
    const e = entityOf(b.recId);
    const earlier: number[] = [];
    for (let i = 0; i < j; i++) if (entityOf(r.stored[i].recId) === e && (!crossOrgOnly || r.stored[i].org !== b.org)) earlier.push(i);
    if (earlier.length === 0 || earlier.some((i) => r.stored[i].person === b.person)) continue;
    let bestI = -1;
    let bestS: MatchScore | undefined;
    for (const i of earlier) {
      const s = b.trace?.scores.get(i);
      if (s && (!bestS || s.weight > bestS.weight)) {
        bestS = s;
        bestI = i;
      }
    }
    const cause = !bestS ? 'blocking-miss' : `${b.trace?.outcome}:${b.trace?.reasons.join('+')}`;
    splits.set(cause, (splits.get(cause) ?? 0) + 1);
    firstOf.set(b.recId, j);
    lines.push(`SPLIT ${name} ${cause} ${b.recId} best-same=${bestI >= 0 ? r.stored[bestI].recId : '-'} p=${bestS ? bestS.probability.toFixed(4) : '-'} ${bestS ? fmt(bestS) : ''}`);
  }
  console.log(`  split records (a stored entity not joined): ${[...splits.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(`  error causes (pairs): ${[...causes.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const l of lines) console.log(`    ${l}`);
}

/**
 * Households only: the false pairs by how the two persons are related (twin, parent-child,
 * spouse, sibling, other household member, or not related), after the run.
 */
function falseLinksByRelationship(r: RunResult, population: Population): void {
  const householdOf = new Map(population.records.map((x) => [String(x.entity), x.household]));
  const kinds = new Map<string, number>();
  const byPerson = new Map<number, Stored[]>();
  for (const s of r.stored) byPerson.set(s.person, [...(byPerson.get(s.person) ?? []), s]);
  for (const members of byPerson.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = entityOf(members[i].recId);
        const b = entityOf(members[j].recId);
        if (a === b) continue;
        const key = Number(a) < Number(b) ? `${a}|${b}` : `${b}|${a}`;
        const kind = population.relationships.get(key) ?? (householdOf.get(a) === householdOf.get(b) ? 'household' : 'unrelated');
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
  }
  const entities = new Set(population.records.map((x) => x.entity)).size;
  console.log(`  persons=${entities} households=${new Set(population.records.map((x) => x.household)).size} related pairs=${population.relationships.size} (twins ${[...population.relationships.values()].filter((k) => k === 'twin').length})`);
  console.log(`  false pairs by relationship: ${[...kinds.entries()].map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`);
}

/** scorePair throughput on a fixed sample of candidate-like pairs (one core). */
function benchmark(rows: SourceRow[], rs: CompiledRuleSet): void {
  const recs = rows.map((r) => normalize(r.demographics));
  const tf = (): number | undefined => 0.001;
  const n = 300_000;
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += scorePair(recs[i % recs.length], recs[(i * 7 + 1) % recs.length], rs, tf).weight;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    // Half the pairs are near-duplicates (same index neighbourhood), half random.
    const a = recs[i % recs.length];
    const b = recs[(i * 7919 + (i & 1 ? 1 : 0)) % recs.length];
    sink += scorePair(a, b, rs, tf, { recordCount: recs.length }).weight;
  }
  const ms = performance.now() - t;
  const tn = performance.now();
  for (let i = 0; i < recs.length * 4; i++) sink += normalize(rows[i % rows.length].demographics).v;
  const nms = performance.now() - tn;
  console.log(
    `bench   scorePair: ${Math.round(n / (ms / 1000)).toLocaleString('en-US')} pairs/s; normalize: ${Math.round((recs.length * 4) / (nms / 1000)).toLocaleString('en-US')} records/s (checksum ${sink.toFixed(0)})`,
  );
}

const rs = loadRuleSet(rulesFile);
console.log(`rule set ${rs.id} v${rs.version} (${rs.hash.slice(0, 12)}); FEBRL from ${febrlDir}`);
const a4 = readFebrl(febrlDir, 'dataset4a.csv', 'A');
const b4 = readFebrl(febrlDir, 'dataset4b.csv', 'B');
const runs: Array<[string, SourceRow[], boolean]> = [
  ['febrl4', [...a4, ...b4], true],
  ['febrl3', readFebrl(febrlDir, 'dataset3.csv', 'A'), false],
  ['febrl2', readFebrl(febrlDir, 'dataset2.csv', 'A'), false],
  ['febrl1', readFebrl(febrlDir, 'dataset1.csv', 'A'), false],
];
for (const [name, rows, crossOrgOnly] of runs) {
  const res = simulate(rows, rs, traceErrors);
  evaluate(name, res, crossOrgOnly);
  if (process.env.EVAL_DUMP) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${process.env.EVAL_DUMP}.${name}.jsonl`, res.stored.map((x) => JSON.stringify({ recId: x.recId, cluster: String(x.person), outcome: x.trace?.outcome, reasons: x.trace?.reasons })).join('\n'));
  }
  if (traceErrors) listErrors(name, res, crossOrgOnly);
}
// Households (test/factories/household-population.ts): twins, Sr/Jr, spouses, siblings
// sharing addresses, phones and surnames, which FEBRL does not have.
const population = householdPopulation({ seed: Number(process.env.EVAL_HOUSEHOLD_SEED ?? 7), households: Number(process.env.EVAL_HOUSEHOLDS ?? 4000) });
const householdRows: SourceRow[] = population.records.map((x) => ({ recId: `rec-${x.entity}-${x.localId}`, org: x.organizationId, demographics: x.demographics }));
const householdRun = simulate(householdRows, rs, traceErrors);
evaluate('households', householdRun, false);
falseLinksByRelationship(householdRun, population);
if (traceErrors) listErrors('households', householdRun, false);
benchmark([...a4, ...b4], rs);
