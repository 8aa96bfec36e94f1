/**
 * Where candidate pairs come from at scale, in memory (no database): generates N synthetic
 * patients (the bench:batch file), normalizes and blocks them with the rule set, and for the
 * last `BLOCKING_PROFILE_TAIL` records (default 2,000) prints how many stored candidates
 * their blocks hold in all and per rule (`only` = candidates no other rule finds), and the
 * block-size percentiles per rule. Truth is used only to count how many true matches a rule
 * alone finds (for judging what removing or narrowing a rule would cost), never to set one.
 *
 *   npx tsx scripts/blocking-profile.ts [N]      RULES_FILE=matching-rules/default.json
 *   BLOCKING_PROFILE_CAPS=name_pair_dm=40,…      other per-rule block caps than the rule set's (what they would leave out)
 */
import { resolve } from 'node:path';
import { blockCap, blockingKeys, normalize, priorWeightFor, type Demographics, type NormalizedRecord } from '../src/matching/engine/index.js';
import { compareLevelsAbove, PRUNED, pruningPlan } from '../src/matching/engine/prune.js';
import { loadRuleSet } from '../src/matching/rules/load-rule-set.js';
import { csvRowToRecord } from '../src/batch/batch-rows.js';
import { csvFields, SYNTHETIC_COLUMNS, syntheticPatients } from '../test/factories/synthetic-patients.js';

const n = Number(process.argv[2] ?? 1_000_000);
const tail = Number(process.env.BLOCKING_PROFILE_TAIL ?? 2000);
const rs = loadRuleSet(resolve(process.env.RULES_FILE ?? 'matching-rules/default.json'));
const index = new Map<string, number[]>();
const entityOf: number[] = [];
const records: NormalizedRecord[] = [];
const plan = pruningPlan(rs);
// BLOCKING_PROFILE_CAPS="rule=size,…": what another per-rule block cap would leave out.
const caps = new Map(
  (process.env.BLOCKING_PROFILE_CAPS ?? '').split(',').filter(Boolean).map((c) => {
    const [rule, size] = c.split('=');
    return [rule, Number(size)] as const;
  }),
);
const tailRows: Array<{ i: number; keys: string[] }> = [];
let i = 0;
const t0 = performance.now();
for (const row of syntheticPatients(n)) {
  const parsed = csvRowToRecord(SYNTHETIC_COLUMNS, csvFields(row));
  const normalized = normalize(parsed.demographics as Demographics);
  const keys = blockingKeys(normalized, rs);
  entityOf.push(row.entity);
  records.push(normalized);
  if (i >= n - tail) tailRows.push({ i, keys });
  for (const k of keys) {
    let b = index.get(k);
    if (!b) index.set(k, (b = []));
    b.push(i);
  }
  i++;
}
const ruleOf = (k: string) => k.slice(0, k.indexOf(':'));
interface RuleStats { members: number; only: number; trueFound: number; trueOnly: number; keys: number; reach: number; reachOnly: number }
const perRule = new Map<string, RuleStats>();
let reachTotal = 0;
let totalCandidates = 0;
let trueTotal = 0;
let trueMissed = 0;
for (const { i: at, keys } of tailRows) {
  const via = new Map<number, Set<string>>();
  for (const k of keys) {
    const b = index.get(k)!;
    if (b.length > (caps.get(ruleOf(k)) ?? blockCap(rs, k))) continue;
    for (const j of b) {
      if (j >= at) break;
      let s = via.get(j);
      if (!s) via.set(j, (s = new Set()));
      s.add(ruleOf(k));
    }
  }
  totalCandidates += via.size;
  for (const k of keys) {
    const st = perRule.get(ruleOf(k)) ?? { members: 0, only: 0, trueFound: 0, trueOnly: 0, keys: 0, reach: 0, reachOnly: 0 };
    st.keys++;
    perRule.set(ruleOf(k), st);
  }
  // A pair reaches the review floor at most when pruning (with the prior of an index of `at`
  // records and the largest term-frequency bonus) does not rule it out: no truth needed.
  const prior = priorWeightFor(rs, at);
  for (const [j, rules] of via) {
    const same = entityOf[j] === entityOf[at];
    const reach = compareLevelsAbove(records[at], records[j], rs, plan, prior) !== PRUNED;
    if (reach) reachTotal++;
    for (const rule of rules) {
      const st = perRule.get(rule)!;
      st.members++;
      if (same) st.trueFound++;
      if (reach) st.reach++;
      if (rules.size === 1) {
        st.only++;
        if (same) st.trueOnly++;
        if (reach) st.reachOnly++;
      }
    }
  }
  // The generator files a duplicate within 5,000 rows of its entity's first record.
  for (let j = Math.max(0, at - 6000); j < at; j++) if (entityOf[j] === entityOf[at]) {
    trueTotal++;
    if (!via.has(j)) trueMissed++;
  }
}
const sizes = new Map<string, number[]>();
for (const [k, b] of index) {
  const r = ruleOf(k);
  const s = sizes.get(r) ?? [];
  s.push(b.length);
  sizes.set(r, s);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`N=${n} rule set ${rs.id} ${rs.version}  ${((performance.now() - t0) / 1000).toFixed(1)} s  keys=${index.size}`);
console.log(`last ${tail} records: candidates ${(totalCandidates / tail).toFixed(1)} per record, not pruned ${(reachTotal / tail).toFixed(2)}; true matches in blocks ${trueTotal - trueMissed}/${trueTotal}`);
console.log('rule                 keys/rec  cand/rec  only/rec  reach/rec reach only  true found  true only   blocks   p50  p90  p99  max  records in blocks >100');
for (const [rule, st] of [...perRule].sort((a, b) => b[1].members - a[1].members)) {
  const s = (sizes.get(rule) ?? []).sort((a, b) => a - b);
  const big = s.filter((x) => x > 100).reduce((a, b) => a + b, 0);
  console.log(
    `${rule.padEnd(20)} ${(st.keys / tail).toFixed(2).padStart(8)} ${(st.members / tail).toFixed(1).padStart(9)} ${(st.only / tail).toFixed(1).padStart(9)} ${(st.reach / tail).toFixed(3).padStart(9)} ${String(st.reachOnly).padStart(10)} ${String(st.trueFound).padStart(11)} ${String(st.trueOnly).padStart(10)} ${String(s.length).padStart(8)} ${String(pct(s, 0.5)).padStart(5)} ${String(pct(s, 0.9)).padStart(4)} ${String(pct(s, 0.99)).padStart(4)} ${String(s.at(-1)).padStart(4)} ${big}`,
  );
}
