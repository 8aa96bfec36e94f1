/**
 * Candidate pruning (engine/prune.ts) is exact: on generated populations fed one record at a
 * time, the decisions of `scoreAndDecide` with `prune` — levels computed early with the
 * pruning bound at a smaller index size, as a batch chunk does before its lock, or found
 * pruned there — give the same link plans (link, history event with its contributions, review
 * tasks) as scoring every candidate, and the same outcome, reasons, review items and linked
 * record.
 */
import { fileURLToPath } from 'node:url';
import { csvRowToRecord } from '../batch/batch-rows.js';
import { planLink } from '../linkage/link-plan.js';
import { householdPopulation } from '../../test/factories/household-population.js';
import { seededRandom } from '../../test/factories/seeded-random.js';
import { csvFields, SYNTHETIC_COLUMNS, syntheticPatients } from '../../test/factories/synthetic-patients.js';
import type { CandidateRow } from './candidate.repository.js';
import { decisiveCandidates } from './decisive-candidates.js';
import { blockCaps, blockingKeys, compareLevels, type Decision, type Demographics, normalize, type NormalizedRecord, termFrequencyTerms } from './engine/index.js';
import { PRUNED } from './engine/prune.js';
import { MatchingService } from './matching.service.js';
import { loadRuleSet } from './rules/load-rule-set.js';
import { termKey } from './term-frequency.repository.js';

const rs = loadRuleSet(fileURLToPath(new URL('../../matching-rules/default.json', import.meta.url)));
const service = new MatchingService(rs, null as never, null as never, null as never);
const ruleSetRef = { id: rs.id, version: rs.version, hash: rs.hash };

/** What a decision leaves behind, and what decide returns but for a new-person decision's `best`. */
function stored(d: Decision) {
  const score = (s: { weight: number; priorWeight: number; probability: number; grade: string; contributions: unknown }) => ({
    weight: s.weight, priorWeight: s.priorWeight, probability: s.probability, grade: s.grade, contributions: s.contributions,
  });
  return {
    outcome: d.outcome,
    personId: d.personId,
    reasons: d.reasons,
    sameSourceDuplicate: d.sameSourceDuplicate,
    review: d.review.map((r) => ({ personId: r.personId, recordId: r.recordId, reason: r.reason, score: score(r.score) })),
    best: d.outcome === 'new-person' || !d.best ? null : { recordId: d.best.recordId, personId: d.best.personId, score: score(d.best.score) },
    plan: planLink(d, { personId: 'current' }, 'own', ruleSetRef),
  };
}

interface Fed {
  organizationId: string;
  demographics: Demographics;
}

/**
 * Feeds `rows` in order against the records before them (blocks, term counts, persons as the
 * unpruned decision gives them; `indexOffset` more records in the index size, for the prior of
 * a large index), deciding each row both ways; returns the pairs seen and pruned.
 */
function feedBothWays(rows: Fed[], indexOffset: number, seed: number): { pairs: number; pruned: number; left: number; decisions: Map<string, number> } {
  const r = seededRandom(seed);
  const records: Array<{ id: string; org: string; normalized: NormalizedRecord; person: string }> = [];
  const blocks = new Map<string, number[]>();
  const termCounts = new Map<string, number>();
  const decisions = new Map<string, number>();
  let pairs = 0;
  let pruned = 0;
  let left = 0;
  let persons = 0;
  for (const row of rows) {
    const normalized = normalize(row.demographics);
    const keys = blockingKeys(normalized, rs);
    const prepared = { normalized, keys, caps: blockCaps(rs, keys), terms: termFrequencyTerms(normalized, rs) };
    const ids = new Set<number>();
    for (const k of keys) for (const i of blocks.get(k) ?? []) ids.add(i);
    const candidates: CandidateRow[] = [...ids].map((i) => ({
      recordId: records[i].id, organizationId: records[i].org, normalized: records[i].normalized, personId: records[i].person, linkMethod: 'auto', waiting: false,
    }));
    const recordCount = records.length + indexOffset;
    // A steward said now and then that this record is not one of its candidates' persons.
    const asserted = new Set<string>(candidates.length && r() < 0.05 ? [candidates[Math.floor(r() * candidates.length)].personId] : []);
    const context = { recordCount, termCounts, asserted };
    const full = service.scoreAndDecide({ organizationId: row.organizationId, prepared }, candidates, context);
    // As a chunk: most levels computed before the lock with a smaller index (a larger prior),
    // the others (records changed since the read) found under it.
    const early = new Map<string, Int16Array>();
    for (const c of candidates) if (r() < 0.8) early.set(c.recordId, service.compareLevelsAbove(normalized, c.normalized, Math.max(0, recordCount - Math.floor(r() * 2000))));
    const fast = service.scoreAndDecide({ organizationId: row.organizationId, prepared }, candidates, { ...context, levelsOf: (c) => early.get(c.recordId), prune: true });
    expect(stored(fast.decision)).toEqual(stored(full.decision));
    // As a chunk links under its lock: candidates of persons whose every pair was pruned early left out.
    const decisive = decisiveCandidates(candidates, (c) => early.get(c.recordId) === PRUNED, asserted);
    const fewer = service.scoreAndDecide({ organizationId: row.organizationId, prepared }, decisive, { ...context, levelsOf: (c) => early.get(c.recordId), prune: true });
    expect(stored(fewer.decision)).toEqual(stored(full.decision));
    left += candidates.length - decisive.length;
    for (const c of candidates) {
      const l = service.compareLevelsAbove(normalized, c.normalized, recordCount);
      pairs++;
      if (l === PRUNED) {
        pruned++;
        expect(full.candidates.find((x) => x.recordId === c.recordId)!.score.probability).toBeLessThan(rs.thresholds.review);
      } else expect([...l]).toEqual([...compareLevels(normalized, c.normalized, rs)]);
    }
    decisions.set(full.decision.outcome, (decisions.get(full.decision.outcome) ?? 0) + 1);
    const person = full.decision.outcome === 'linked' ? full.decision.personId! : `p${persons++}`;
    const i = records.push({ id: `r${records.length}`, org: row.organizationId, normalized, person }) - 1;
    for (const k of keys) blocks.set(k, [...(blocks.get(k) ?? []), i]);
    for (const t of prepared.terms) termCounts.set(termKey(t), (termCounts.get(termKey(t)) ?? 0) + 1);
  }
  return { pairs, pruned, left, decisions };
}

describe('candidate pruning', () => {
  const synthetic = (n: number, orgs: number): Fed[] =>
    [...syntheticPatients(n, { seed: 7, duplicateShare: 0.5 })].map((row, i) => ({
      organizationId: `org-${i % orgs}`,
      demographics: csvRowToRecord(SYNTHETIC_COLUMNS, csvFields(row)).demographics as Demographics,
    }));

  it.each([
    ['a small index', 0],
    ['a million-record index', 1_000_000],
  ])('gives the decisions of scoring every candidate: synthetic patients, %s', (_name, offset) => {
    const { pairs, pruned, left, decisions } = feedBothWays(synthetic(2500, 2), offset, 11);
    // The population has every outcome, and pruning does prune (about a fifth of the pairs of
    // 2,500 records with rule set 1.7.0, whose narrower surname rules bring fewer hopeless pairs).
    expect(decisions.get('linked')).toBeGreaterThan(200);
    expect(decisions.get('new-person')).toBeGreaterThan(1000);
    expect(pruned).toBeGreaterThan(pairs / 8);
    // and the decisive candidates leave pruned pairs out (of the 80% whose levels were known early).
    expect(left).toBeGreaterThan(0);
  });

  it('gives the decisions of scoring every candidate: households (twins, parents and children, spouses), several organizations', () => {
    const pop = householdPopulation({ seed: 5, households: 600, organizations: 3 });
    const { pairs, pruned, decisions } = feedBothWays(pop.records.map((x) => ({ organizationId: x.organizationId, demographics: x.demographics })), 0, 3);
    expect(decisions.get('review')).toBeGreaterThan(0);
    expect(decisions.get('linked')).toBeGreaterThan(100);
    expect(pruned).toBeGreaterThan(0);
    expect(pruned).toBeLessThan(pairs);
  });
});
