/**
 * The incremental MPI simulated in memory with only the matching engine: records arrive one
 * at a time, are blocked against the records stored so far, scored (term frequencies and the
 * size-dependent prior as the service computes them), decided, and stored under the person
 * the decision gives (a review or new person founds one of its own). Shared by
 * `npm run eval:engine` and the quality tests. Truth is never read here.
 */
import {
  blockCap,
  blockingKeys,
  decide,
  normalize,
  pendingToReevaluate,
  settlesPendingReview,
  scorePair,
  termFrequencyTerms,
  type CandidateEvaluation,
  type CompiledRuleSet,
  type Demographics,
  type MatchScore,
  type NormalizedRecord,
} from '../src/matching/engine/index.js';

/** One incoming record: `recId` is carried through for scoring after the run, never matched on. */
export interface SourceRow {
  recId: string;
  org: string;
  demographics: Demographics;
}

export interface Stored {
  recId: string;
  org: string;
  rec: NormalizedRecord;
  person: number;
  /** Error analysis only (EVAL_ERRORS): this record's decision and its candidates' scores. */
  trace?: { outcome: string; reasons: string[]; scores: Map<number, MatchScore> };
}

export interface RunResult {
  stored: Stored[];
  pairsScored: number;
  scoreMs: number;
  reviews: number;
  linked: number;
  sameSource: number;
  skippedBlocks: number;
  wallMs: number;
  /** Decisions per reason string (a decision with several reasons counts once for each). */
  reasonCounts: Map<string, number>;
  /** Review decisions: reason of the first review task, and the best candidate's stored index (scored against truth after the run). */
  reviewsDetail: Array<{ incoming: number; reason: string; best: number | null }>;
}

/** Feeds `rows` in order; `trace` keeps every decision and candidate score (error analysis). */
export function simulate(rows: readonly SourceRow[], rs: CompiledRuleSet, trace = false): RunResult {
  const t0 = performance.now();
  const stored: Stored[] = [];
  const index = new Map<string, number[]>();
  const tfCounts = new Map<string, number>();
  let pairsScored = 0;
  let scoreMs = 0;
  let reviews = 0;
  let linked = 0;
  let sameSource = 0;
  let skippedBlocks = 0;
  let nextPerson = 0;
  const reasonCounts = new Map<string, number>();
  const reviewsDetail: RunResult['reviewsDetail'] = [];
  const tf = (field: string, value: string): number | undefined =>
    stored.length < rs.termFrequency.minRecords ? undefined : (tfCounts.get(`${field}\u0000${value}`) ?? 0) / stored.length;

  /** Records whose decision was review and which nothing has linked since. */
  const pending = new Set<number>();
  const candidatesOf = (rec: NormalizedRecord, keys: string[], self: number): Set<number> => {
    const cands = new Set<number>();
    for (const k of keys) {
      const block = index.get(k);
      if (!block) continue;
      // The record's own block counts it, as a stored record's update does.
      if (block.length > blockCap(rs, k)) continue;
      for (const i of block) if (i !== self) cands.add(i);
    }
    return cands;
  };
  for (const row of rows) {
    const rec = normalize(row.demographics);
    const keys = blockingKeys(rec, rs);
    const cands = new Set<number>();
    for (const k of keys) {
      const block = index.get(k);
      if (!block) continue;
      if (block.length > blockCap(rs, k)) {
        skippedBlocks++;
        continue;
      }
      for (const i of block) cands.add(i);
    }
    const evals: CandidateEvaluation[] = [];
    const ts = performance.now();
    // N = active records stored so far (the size-dependent prior, rs.prior).
    const context = { recordCount: stored.length };
    for (const i of cands) {
      const s = stored[i];
      evals.push({ personId: String(s.person), recordId: String(i), organizationId: s.org, score: scorePair(rec, s.rec, rs, tf, context), noMatchAsserted: false });
    }
    scoreMs += performance.now() - ts;
    pairsScored += cands.size;
    const decision = decide({ organizationId: row.org }, evals, rs);
    for (const reason of decision.reasons) reasonCounts.set(reason, (reasonCounts.get(reason) ?? 0) + 1);
    if (decision.outcome === 'review') {
      reviewsDetail.push({
        incoming: stored.length,
        reason: decision.review[0]?.reason ?? decision.reasons.join('+'),
        best: decision.best ? Number(decision.best.recordId) : null,
      });
    }
    let person: number;
    if (decision.outcome === 'linked' && decision.personId !== null) {
      person = Number(decision.personId);
      linked++;
      if (decision.sameSourceDuplicate) sameSource++;
    } else {
      if (decision.outcome === 'review') reviews++;
      person = nextPerson++;
    }
    const idx = stored.length;
    const traced = trace
      ? { outcome: decision.outcome, reasons: decision.reasons, scores: new Map(evals.map((e) => [Number(e.recordId), e.score])) }
      : undefined;
    stored.push({ recId: row.recId, org: row.org, rec, person, trace: traced });
    for (const k of keys) {
      const b = index.get(k);
      if (b) b.push(idx);
      else index.set(k, [idx]);
    }
    for (const t of termFrequencyTerms(rec, rs)) {
      const k = `${t.field}\u0000${t.value}`;
      tfCounts.set(k, (tfCounts.get(k) ?? 0) + 1);
    }
    if (decision.outcome === 'review') pending.add(idx);
    // Records waiting for review that this link may settle, decided again as if they arrived now.
    const waiting = (c: CandidateEvaluation) => pending.has(Number(c.recordId)) && !stored.some((x, j) => j !== Number(c.recordId) && x.person === stored[Number(c.recordId)].person);
    for (const c of pendingToReevaluate(decision, evals, rs, waiting)) {
      const i = Number(c.recordId);
      const r = stored[i];
      const again: CandidateEvaluation[] = [];
      for (const j of candidatesOf(r.rec, blockingKeys(r.rec, rs), i)) {
        const s = stored[j];
        again.push({ personId: String(s.person), recordId: String(j), organizationId: s.org, score: scorePair(r.rec, s.rec, rs, tf, { recordCount: stored.length }), noMatchAsserted: false });
      }
      const d = decide({ organizationId: r.org }, again, rs);
      if (!settlesPendingReview(d, String(r.person))) continue;
      r.person = Number(d.personId);
      pending.delete(i);
      reasonCounts.set('pending-review-settled', (reasonCounts.get('pending-review-settled') ?? 0) + 1);
    }
  }
  return { stored, pairsScored, scoreMs, reviews, linked, sameSource, skippedBlocks, wallMs: performance.now() - t0, reasonCounts, reviewsDetail };
}
