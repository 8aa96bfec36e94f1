/**
 * Exact candidate pruning: a pair whose best possible weight cannot reach the review floor
 * decides nothing (decide.ts reads the guards, contributions and grades only of candidates at
 * or above `thresholds.review`), so it need not be compared in full nor scored.
 *
 * The best possible weight of a pair, with some fields compared so far, is
 *   prior + Σ (compared fields: the level's weight + the largest term-frequency bonus if the
 *   level takes one) + Σ (fields not compared yet, both sides present: the field's best level
 *   weight + that bonus); a field missing on either side weighs 0.
 * The term-frequency bonus is clamped to ±maxAdjustment (scoring.ts), so no frequency can give
 * more. Fields are compared cheapest first (exact equality, dates, short codes before string
 * distances), and the comparison stops as soon as the bound falls below the floor.
 *
 * A pair not pruned gets exactly `compareLevels`'s levels (every field compared, the same
 * predicates): its score is the same.
 */
import { weightToProbability } from './scoring.js';
import type { CompiledField, CompiledRuleSet, MatchScore, NormalizedRecord } from './types.js';

/** Stands for the levels of a pruned pair (no level is known for it). */
export const PRUNED: Int16Array = new Int16Array(0);

/** Relative cost of a level predicate (string distances cost most). */
const PREDICATE_COST: Readonly<Record<string, number>> = {
  else: 0,
  exact: 1,
  nickname: 1,
  compoundPart: 1,
  initial: 1,
  swapped: 1,
  swappedParts: 1,
  soundex: 1,
  phonetic: 1,
  dayMonthTransposed: 1,
  oneComponentOff: 1,
  consecutive: 2,
  damerau: 3,
  oneKeystroke: 4,
  jaroWinkler: 6,
  numberAndStreet: 6,
};

export interface PruningPlan {
  /**
   * The level tests in the order they are tried, as (field, level) pairs: first every field's
   * leading cheap levels (exact equality and the like), then the rest, cheapest field first.
   * Within a field, levels keep their rule order (a field's level is the first that holds).
   */
  steps: Int16Array;
  /** Per field (rule order): the best weight a level can give, with the largest term-frequency bonus. */
  best: Float64Array;
  /** Per field and level j: the best weight of the levels from j on (the bound once levels before j failed). */
  from: Float64Array[];
  /** Per field and level: the level's weight plus the largest term-frequency bonus it can take. */
  bound: Float64Array[];
  /** The weight a score must reach for its probability to reach `thresholds.review`. */
  floorWeight: number;
}

function levelBound(f: CompiledField, i: number): number {
  const level = f.levels[i];
  const bonus = level.tf && f.termFrequency && f.tfValue ? Math.max(0, f.termFrequency.maxAdjustment) : 0;
  return level.weight + bonus;
}

const cheap = (predicate: string) => (PREDICATE_COST[predicate] ?? 6) <= 1;

/**
 * The pruning plan of a rule set (compute once per rule set). The floor is set a little below
 * the exact one (1e-6 bits), so rounding in the order of the sums never prunes a pair that
 * would reach it.
 */
export function pruningPlan(rs: CompiledRuleSet): PruningPlan {
  const n = rs.fields.length;
  const best = new Float64Array(n);
  const bound: Float64Array[] = [];
  const from: Float64Array[] = [];
  const cost: number[] = [];
  rs.fields.forEach((f, fi) => {
    const b = new Float64Array(f.levels.length);
    for (let i = 0; i < f.levels.length; i++) b[i] = levelBound(f, i);
    const fr = new Float64Array(f.levels.length);
    for (let i = f.levels.length - 1; i >= 0; i--) fr[i] = Math.max(b[i], i + 1 < f.levels.length ? fr[i + 1] : -Infinity);
    bound.push(b);
    from.push(fr);
    best[fi] = fr[0];
    cost.push(f.levels.reduce((s, l) => s + (PREDICATE_COST[l.predicate] ?? 6), 0));
  });
  // The fields whose disagreement can cost the most first (their best weight), then by cost.
  const byBest = rs.fields.map((_, i) => i).sort((x, y) => best[y] - best[x] || x - y);
  const byCost = rs.fields.map((_, i) => i).sort((x, y) => cost[x] - cost[y] || best[y] - best[x] || x - y);
  const steps: number[] = [];
  const lead = new Array<number>(n).fill(0);
  for (const fi of byBest) {
    const levels = rs.fields[fi].levels;
    // The last level (the catch-all) is never tested: it holds when no other level did.
    while (lead[fi] < levels.length - 1 && cheap(levels[lead[fi]].predicate)) steps.push(fi, lead[fi]++);
  }
  for (const fi of byCost) for (let j = lead[fi]; j < rs.fields[fi].levels.length - 1; j++) steps.push(fi, j);
  const p = rs.thresholds.review;
  const exact = p <= 0 ? -Infinity : p >= 1 ? Infinity : Math.log2(p / (1 - p));
  return { steps: Int16Array.from(steps), best, from, bound, floorWeight: exact - 1e-6 };
}

/**
 * `compareLevels(a, b, rs)`, or `PRUNED` when the pair cannot reach the review floor with
 * prior weight `priorWeight` — the prior of the smallest index size the pair may be scored
 * with (a larger index has a smaller prior) — whatever the term frequencies.
 */
export function compareLevelsAbove(a: NormalizedRecord, b: NormalizedRecord, rs: CompiledRuleSet, plan: PruningPlan, priorWeight: number): Int16Array {
  const fields = rs.fields;
  const n = fields.length;
  // Scratch reused from call to call (synchronous; a level test never compares pairs itself):
  // most pairs are pruned, and allocate nothing; a pair that is not gets its own copy of `out`.
  if (scratch.out.length < n) scratch = newScratch(n);
  const { va, vb, out, decided } = scratch;
  let bound = priorWeight;
  for (let i = 0; i < n; i++) {
    const f = fields[i];
    const x = f.extract(a);
    const y = f.extract(b);
    va[i] = x;
    vb[i] = y;
    decided[i] = 0;
    if (x === null || x === undefined || y === null || y === undefined) out[i] = -1;
    else {
      bound += plan.best[i];
      // Not decided yet: the catch-all level unless a test below holds.
      out[i] = fields[i].levels.length - 1;
    }
  }
  const need = plan.floorWeight;
  if (bound < need) return PRUNED;
  // decided[i]: the field's level is known (a test held, or it is missing).
  const steps = plan.steps;
  for (let s = 0; s < steps.length; s += 2) {
    const i = steps[s];
    if (decided[i] || out[i] < 0) continue;
    const j = steps[s + 1];
    const from = plan.from[i];
    if (fields[i].levels[j].test(va[i], vb[i], a, b)) {
      decided[i] = 1;
      out[i] = j;
      bound -= from[j] - plan.bound[i][j];
    } else {
      // Levels after j remain: their best is the field's bound now.
      bound -= from[j] - from[j + 1];
    }
    if (bound < need) return PRUNED;
  }
  return out.slice(0, n);
}

interface Scratch {
  va: unknown[];
  vb: unknown[];
  out: Int16Array;
  decided: Uint8Array;
}

/** (The values of the last pair compared stay referenced until the next: a few strings.) */
const newScratch = (n: number): Scratch => ({ va: new Array(n).fill(null), vb: new Array(n).fill(null), out: new Int16Array(n), decided: new Uint8Array(n) });
let scratch = newScratch(16);

/**
 * The score of a pruned pair: below the review floor (probability and grade say so; the
 * weight is -Infinity, no number to store), with the pair's organization and person kept by
 * the caller so that decide still sees the person among the candidates (its no-match
 * assertion, a same-source record). Nothing reads its contributions; if something does,
 * they are those of the full score, worked out then.
 */
export function prunedScore(priorWeight: number, contributions: () => MatchScore['contributions']): MatchScore {
  let c: MatchScore['contributions'] | undefined;
  return {
    weight: -Infinity,
    priorWeight,
    probability: weightToProbability(-Infinity),
    grade: 'certainly-not',
    get contributions() {
      return (c ??= contributions());
    },
    set contributions(v) {
      c = v;
    },
  };
}
