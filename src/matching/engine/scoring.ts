/**
 * Fellegi–Sunter scoring: per field the first level whose predicate holds; weight =
 * prior + Σ log2(m/u) (+ term-frequency adjustments); probability = 2^w / (1 + 2^w).
 */
import type {
  CompiledField,
  CompiledRuleSet,
  Contribution,
  MatchGrade,
  MatchScore,
  NormalizedRecord,
  TermFrequencyLookup,
} from './types.js';

export interface FieldComparison {
  field: string;
  /** Chosen level id, or 'missing' when either side has no value. */
  level: string;
  /** Index into the field's levels; -1 for 'missing'. */
  levelIndex: number;
  a: string | null;
  b: string | null;
}

function chooseLevel(f: CompiledField, va: unknown, vb: unknown, a: NormalizedRecord, b: NormalizedRecord): number {
  const levels = f.levels;
  for (let i = 0; i < levels.length; i++) if (levels[i].test(va, vb, a, b)) return i;
  return levels.length - 1;
}

/** Per field, in rule order, the comparison level chosen for the pair (a, b). */
export function compareRecords(a: NormalizedRecord, b: NormalizedRecord, rs: CompiledRuleSet): FieldComparison[] {
  return rs.fields.map((f) => {
    const va = f.extract(a);
    const vb = f.extract(b);
    const da = va === null || va === undefined ? null : f.display(va);
    const db = vb === null || vb === undefined ? null : f.display(vb);
    if (da === null || db === null) return { field: f.id, level: 'missing', levelIndex: -1, a: da, b: db };
    const i = chooseLevel(f, va, vb, a, b);
    return { field: f.id, level: f.levels[i].id, levelIndex: i, a: da, b: db };
  });
}

/** Posterior match probability from a total weight in bits (numerically stable). */
export function weightToProbability(w: number): number {
  return w >= 0 ? 1 / (1 + 2 ** -w) : 2 ** w / (1 + 2 ** w);
}

/** Match grade from the rule set's probability cut-offs. */
export function gradeFor(probability: number, rs: CompiledRuleSet): MatchGrade {
  if (probability >= rs.grades.certain) return 'certain';
  if (probability >= rs.grades.probable) return 'probable';
  if (probability >= rs.grades.possible) return 'possible';
  return 'certainly-not';
}

/**
 * Term-frequency adjustment in bits for an agreeing value with relative frequency `freq`:
 * weight · log2(u_level / max(freq, minFrequency)), clamped to ±maxAdjustment. Positive
 * for rare values, negative for common ones.
 */
export function termFrequencyAdjustment(u: number, freq: number, tf: NonNullable<CompiledField['termFrequency']>): number {
  const raw = tf.weight * Math.log2(u / Math.max(freq, tf.minFrequency));
  return Math.max(-tf.maxAdjustment, Math.min(tf.maxAdjustment, raw));
}

/** What the caller knows about the index when scoring an incoming record against it. */
export interface ScoreContext {
  /** Number of active records stored (N). Omit when unknown (e.g. comparing two ad-hoc demographics). */
  recordCount?: number;
}

/**
 * Prior weight in bits, log2(λ/(1−λ)). With a record count N (finite, ≥ 0) and a `prior`
 * block in the rule set: λ(N) = expectedMatchShare / max(N, minRecords), the prior that an
 * incoming record matches one given stored record. Otherwise (no count, an invalid count,
 * or no `prior` block) the fallback `rs.lambda`.
 */
export function priorWeightFor(rs: CompiledRuleSet, recordCount?: number): number {
  if (!rs.prior || recordCount === undefined || !Number.isFinite(recordCount) || recordCount < 0) return rs.priorWeight;
  const lambda = rs.prior.expectedMatchShare / Math.max(recordCount, rs.prior.minRecords);
  return Math.log2(lambda / (1 - lambda));
}

/**
 * The comparison level of each field for the pair (a, b), in rule order: the index into the
 * field's levels, or -1 when either side is missing. This is the costly half of scoring
 * (string distances, phonetic codes) and depends on nothing but the two records and the
 * rule set, so a caller may compute it ahead of time and score later with the index size
 * and term frequencies of that moment (`scoreLevels`).
 */
export function compareLevels(a: NormalizedRecord, b: NormalizedRecord, rs: CompiledRuleSet): Int16Array {
  const out = new Int16Array(rs.fields.length);
  for (let i = 0; i < rs.fields.length; i++) {
    const f = rs.fields[i];
    const va = f.extract(a);
    const vb = f.extract(b);
    out[i] = va === null || va === undefined || vb === null || vb === undefined ? -1 : chooseLevel(f, va, vb, a, b);
  }
  return out;
}

/**
 * Score a record pair. `tf` returns the relative frequency (0..1) of a value among stored
 * records, or undefined when unknown (no adjustment then). `context.recordCount` selects
 * the size-dependent prior (`priorWeightFor`); the prior used is returned as
 * `priorWeight`. Contributions are in rule order.
 */
export function scorePair(
  a: NormalizedRecord,
  b: NormalizedRecord,
  rs: CompiledRuleSet,
  tf?: TermFrequencyLookup,
  context?: ScoreContext,
): MatchScore {
  return scoreLevels(a, b, compareLevels(a, b, rs), rs, tf, context);
}

/** `scorePair` from levels `compareLevels(a, b, rs)` computed earlier: the same score. */
export function scoreLevels(
  a: NormalizedRecord,
  b: NormalizedRecord,
  levels: Int16Array,
  rs: CompiledRuleSet,
  tf?: TermFrequencyLookup,
  context?: ScoreContext,
): MatchScore {
  const priorWeight = priorWeightFor(rs, context?.recordCount);
  let weight = priorWeight;
  const contributions: Contribution[] = [];
  for (let i = 0; i < rs.fields.length; i++) {
    const f = rs.fields[i];
    const va = f.extract(a);
    const vb = f.extract(b);
    if (levels[i] < 0) {
      const missA = va === null || va === undefined;
      const missB = vb === null || vb === undefined;
      contributions.push({
        field: f.id,
        level: 'missing',
        a: missA ? null : f.display(va),
        b: missB ? null : f.display(vb),
        weight: 0,
      });
      continue;
    }
    const level = f.levels[levels[i]];
    let w = level.weight;
    const c: Contribution = { field: f.id, level: level.id, a: f.display(va), b: f.display(vb), weight: w, m: level.m, u: level.u };
    if (tf && level.tf && f.termFrequency && f.tfValue) {
      const value = f.tfValue(a);
      const freq = value === undefined ? undefined : tf(f.id, value);
      if (freq !== undefined && Number.isFinite(freq) && freq >= 0) {
        const adj = termFrequencyAdjustment(level.u, freq, f.termFrequency);
        c.tfAdjustment = adj;
        w += adj;
        c.weight = w;
      }
    }
    weight += w;
    contributions.push(c);
  }
  const probability = weightToProbability(weight);
  return { weight, priorWeight, probability, grade: gradeFor(probability, rs), contributions };
}

/**
 * `scoreLevels` whose contributions are worked out only when read (an enumerable own
 * property, so JSON and equality see them as usual): the weight, probability and grade are
 * the same numbers, summed in the same order. Most candidates of a record score far below
 * every threshold and nobody reads their contributions; building them (display strings for
 * every field) cost more than the rest of the score. `b` may be a function giving the
 * candidate's record, called only then.
 */
export function scoreLevelsLazily(
  a: NormalizedRecord,
  b: NormalizedRecord | (() => NormalizedRecord),
  levels: Int16Array,
  rs: CompiledRuleSet,
  tf?: TermFrequencyLookup,
  context?: ScoreContext,
): MatchScore {
  const priorWeight = priorWeightFor(rs, context?.recordCount);
  let weight = priorWeight;
  for (let i = 0; i < rs.fields.length; i++) {
    if (levels[i] < 0) continue;
    const f = rs.fields[i];
    const level = f.levels[levels[i]];
    let w = level.weight;
    if (tf && level.tf && f.termFrequency && f.tfValue) {
      const value = f.tfValue(a);
      const freq = value === undefined ? undefined : tf(f.id, value);
      if (freq !== undefined && Number.isFinite(freq) && freq >= 0) w += termFrequencyAdjustment(level.u, freq, f.termFrequency);
    }
    weight += w;
  }
  const probability = weightToProbability(weight);
  let contributions: Contribution[] | undefined;
  const score: MatchScore = {
    weight,
    priorWeight,
    probability,
    grade: gradeFor(probability, rs),
    get contributions(): Contribution[] {
      return (contributions ??= scoreLevels(a, typeof b === 'function' ? b() : b, levels, rs, tf, context).contributions);
    },
    set contributions(v: Contribution[]) {
      contributions = v;
    },
  };
  return score;
}

/**
 * The (field, value) pairs whose frequencies the store counts for term-frequency
 * adjustment: one per TF-enabled field with a value.
 */
export function termFrequencyTerms(rec: NormalizedRecord, rs: CompiledRuleSet): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  for (const f of rs.fields) {
    if (!f.termFrequency || !f.tfValue) continue;
    const v = f.tfValue(rec);
    if (v !== undefined && v !== '') out.push({ field: f.id, value: v });
  }
  return out;
}
