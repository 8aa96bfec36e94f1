import { describe, expect, it } from 'vitest';
import { defaultRuleSet, defaultRuleSetJson } from '../../../test/support/default-rule-set.js';
import { decide } from './decide.js';
import { pendingToReevaluate, settlesPendingReview } from './reevaluate.js';
import { compileRuleSet } from './rule-set.js';
import type { CandidateEvaluation, Decision } from './types.js';

const ruleSet = defaultRuleSet;
const rs = ruleSet();

function cand(recordId: string, personId: string, probability: number, over: Partial<CandidateEvaluation> = {}): CandidateEvaluation {
  const weight = Math.log2(probability / (1 - probability));
  return {
    personId,
    recordId,
    organizationId: 'org-a',
    noMatchAsserted: false,
    score: { weight, priorWeight: rs.priorWeight, probability, grade: 'certain', contributions: [{ field: 'ssn', level: 'exact', a: 'x', b: 'x', weight: 0 }] },
    ...over,
  };
}
const linkedTo = (personId: string): Decision => ({ outcome: 'linked', personId, best: null, review: [], sameSourceDuplicate: false, reasons: ['auto-link'] });
const waiting = new Set(['w1', 'w2', 'w3']);
const waits = (c: CandidateEvaluation) => waiting.has(c.recordId);

describe('pendingToReevaluate', () => {
  const high = 0.99999;
  it('selects the waiting records matched at or above auto-link, best first', () => {
    const cands = [cand('w1', 'q1', 0.9999), cand('w2', 'q2', high), cand('x', 'p', high), cand('w3', 'q3', rs.thresholds.autoLink - 1e-6)];
    expect(pendingToReevaluate(linkedTo('p'), cands, rs, waits).map((c) => c.recordId)).toEqual(['w2', 'w1']);
  });

  it('leaves out records that do not wait, the linked person, and persons asserted different', () => {
    const cands = [cand('x', 'q0', high), cand('w1', 'p', high), cand('w2', 'q2', high, { noMatchAsserted: true })];
    expect(pendingToReevaluate(linkedTo('p'), cands, rs, waits)).toEqual([]);
  });

  it('selects nothing unless the decision linked', () => {
    const cands = [cand('w1', 'q1', high)];
    for (const outcome of ['review', 'new-person'] as const) {
      expect(pendingToReevaluate({ ...linkedTo('p'), outcome, personId: null }, cands, rs, waits)).toEqual([]);
    }
  });

  it('takes at most maxRecords, and none when the rule set leaves the option out', () => {
    const cands = ['w1', 'w2', 'w3'].map((id, i) => cand(id, `q${i}`, high - i * 1e-7));
    const two = ruleSet((r) => (r.decision.reevaluatePendingReviews = { maxRecords: 2 }));
    expect(pendingToReevaluate(linkedTo('p'), cands, two, waits).map((c) => c.recordId)).toEqual(['w1', 'w2']);
    const off = ruleSet((r) => delete r.decision.reevaluatePendingReviews);
    expect(off.decision.reevaluatePendingReviews).toBeNull();
    expect(pendingToReevaluate(linkedTo('p'), cands, off, waits)).toEqual([]);
  });

  it('the rule set refuses a malformed option', () => {
    const raw = defaultRuleSetJson();
    raw.decision.reevaluatePendingReviews = { maxRecords: 0, extra: true };
    const r = compileRuleSet(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join('\n')).toContain('$.decision.reevaluatePendingReviews.maxRecords');
      expect(r.errors.join('\n')).toContain('extra');
    }
  });
});

describe('settlesPendingReview', () => {
  it('only a link to another person settles a waiting record', () => {
    expect(settlesPendingReview(linkedTo('p'), 'q')).toBe(true);
    expect(settlesPendingReview(linkedTo('q'), 'q')).toBe(false);
    expect(settlesPendingReview({ ...linkedTo('p'), outcome: 'review', personId: null }, 'q')).toBe(false);
  });

  it('a waiting record whose SSN conflicts with one member links through another member that vouches for it', () => {
    // The first member differs in given name and SSN (the twin pattern: review); a later
    // member agrees on given name and birth date, so the SSN guard is waived for it.
    const levels = (given: string) => ({ given_name: given, birth_date: 'exact', ssn: 'else', sex: 'exact' });
    const member = (recordId: string, given: string, bits: number): CandidateEvaluation => ({
      personId: 'p', recordId, organizationId: 'org-a', noMatchAsserted: false,
      score: { weight: bits, priorWeight: -13, probability: 1 - 2 ** -bits, grade: 'certain', contributions: Object.entries(levels(given)).map(([field, level]) => ({ field, level, a: 'x', b: 'y', weight: 0 })) },
    });
    const before = decide({ organizationId: 'org-a' }, [member('first', 'else', 20)], rs);
    expect(before.outcome).toBe('review');
    const after = decide({ organizationId: 'org-a' }, [member('first', 'else', 20), member('later', 'exact', 25)], rs);
    expect(settlesPendingReview(after, 'q')).toBe(true);
  });
});
