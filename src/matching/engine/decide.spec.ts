import { describe, expect, it } from 'vitest';
import { defaultRuleSet } from '../../../test/support/default-rule-set.js';
import { decide, strongIdentifierConflict } from './decide.js';
import type { CandidateEvaluation, CompiledRuleSet, MatchScore } from './types.js';

const ruleSet = defaultRuleSet;
const rs = ruleSet();

function score(probability: number, ssnLevel = 'exact'): MatchScore {
  const weight = Math.log2(probability / (1 - probability));
  return {
    weight,
    priorWeight: rs.priorWeight,
    probability,
    grade: 'possible',
    contributions: [{ field: 'ssn', level: ssnLevel, a: 'x', b: 'y', weight: 0 }],
  };
}
function cand(personId: string, probability: number, over: Partial<CandidateEvaluation> = {}): CandidateEvaluation {
  return { personId, recordId: `r-${personId}-${probability}`, organizationId: 'org-b', score: score(probability), noMatchAsserted: false, ...over };
}
const incoming = { organizationId: 'org-a' };

/** A candidate of organization 'a' whose score is `bits` above even odds, with these field levels ('missing': absent on one side). */
function evaluation(personId: string, bits: number, levels: Record<string, string>): CandidateEvaluation {
  return {
    personId,
    recordId: `r-${personId}`,
    organizationId: 'a',
    noMatchAsserted: false,
    score: {
      weight: bits,
      priorWeight: -13,
      probability: 1 - 2 ** -bits,
      grade: 'certain',
      contributions: Object.entries(levels).map(([field, level]) => ({ field, level, a: level === 'missing' ? null : 'x', b: level === 'missing' ? null : 'y', weight: 0 })),
    },
  };
}

describe('decide', () => {
  it('no candidates → new person', () => {
    const d = decide(incoming, [], rs);
    expect(d).toMatchObject({ outcome: 'new-person', personId: null, best: null, review: [], sameSourceDuplicate: false });
    expect(d.reasons).toEqual(['no-candidates']);
  });

  it('links the best person above the auto-link threshold', () => {
    const d = decide(incoming, [cand('p1', 0.999), cand('p2', 0.2)], rs);
    expect(d.outcome).toBe('linked');
    expect(d.personId).toBe('p1');
    expect(d.best?.personId).toBe('p1');
    expect(d.reasons).toContain('auto-link');
  });

  it('groups by person: a person scores as its best record', () => {
    const d = decide(incoming, [cand('p1', 0.3), cand('p1', 0.9995), cand('p2', 0.6)], rs);
    expect(d.outcome).toBe('linked');
    expect(d.personId).toBe('p1');
  });

  it('two persons above the threshold with close evidence → review, not a pick', () => {
    const d = decide(incoming, [cand('p1', 0.999), cand('p2', 0.9995)], rs);
    expect(d.outcome).toBe('review');
    expect(d.personId).toBeNull();
    expect(d.review.map((r) => r.personId)).toEqual(['p2', 'p1']);
    expect(d.reasons).toContain('multiple-persons-above-auto-link');
  });

  it('conflicting SSN → review', () => {
    const c = cand('p1', 0.9999, { score: score(0.9999, 'else') });
    expect(strongIdentifierConflict(c.score, rs)).toBe(true);
    const d = decide(incoming, [c], rs);
    expect(d.outcome).toBe('review');
    expect(d.review[0]).toMatchObject({ personId: 'p1', reason: 'strong-identifier-conflict' });
  });

  it('an SSN typo is not a conflict', () => expect(strongIdentifierConflict(score(0.999, 'one_edit'), rs)).toBe(false));

  describe('SSN conflict guard: unless given name and birth date agree', () => {
    /** A score with the SSN at 'else' and the given levels for given name and birth date ('missing' allowed). */
    function ssnElse(probability: number, given: string, birth: string): MatchScore {
      const s = score(probability, 'else');
      return {
        ...s,
        contributions: [
          { field: 'given_name', level: given, a: given === 'missing' ? null : 'x', b: given === 'missing' ? null : 'y', weight: 0 },
          { field: 'birth_date', level: birth, a: birth === 'missing' ? null : 'x', b: birth === 'missing' ? null : 'y', weight: 0 },
          ...s.contributions,
        ],
      };
    }

    it('different given names (twins: same birth date) → review', () => {
      const c = cand('p1', 0.9999, { score: ssnElse(0.9999, 'else', 'exact') });
      expect(strongIdentifierConflict(c.score, rs)).toBe(true);
      const d = decide(incoming, [c], rs);
      expect(d).toMatchObject({ outcome: 'review', personId: null });
      expect(d.review[0]).toMatchObject({ personId: 'p1', reason: 'strong-identifier-conflict' });
    });

    it('same given name, different birth date (Jr/Sr) → review; one component off is not enough', () => {
      for (const birth of ['else', 'one_component_off']) {
        const d = decide(incoming, [cand('p1', 0.9999, { score: ssnElse(0.9999, 'exact', birth) })], rs);
        expect(d.outcome).toBe('review');
        expect(d.reasons).toContain('strong-identifier-conflict');
      }
    });

    it('same given name and birth date → the score decides: linked above auto-link', () => {
      for (const [given, birth] of [
        ['exact', 'exact'],
        ['nickname', 'day_month_transposed'],
        ['jw_0_92', 'exact'],
      ]) {
        const c = cand('p1', 0.9999, { score: ssnElse(0.9999, given, birth) });
        expect(strongIdentifierConflict(c.score, rs)).toBe(false);
        const d = decide(incoming, [c], rs);
        expect(d).toMatchObject({ outcome: 'linked', personId: 'p1' });
        expect(d.reasons).toEqual(['auto-link', 'strong-identifier-conflict-waived']);
      }
    });

    it('same given name and birth date but below auto-link → review band, not a link', () => {
      const d = decide(incoming, [cand('p1', 0.9, { score: ssnElse(0.9, 'exact', 'exact') })], rs);
      expect(d.outcome).toBe('review');
      expect(d.review[0].reason).toBe('review-band');
    });

    it('a one-keystroke birth date (digit typo or adjacent transposition) agrees; it still needs the given name', () => {
      const ok = decide(incoming, [cand('p1', 0.9999, { score: ssnElse(0.9999, 'exact', 'one_keystroke') })], rs);
      expect(ok).toMatchObject({ outcome: 'linked', personId: 'p1' });
      expect(ok.reasons).toContain('strong-identifier-conflict-waived');
      const twins = decide(incoming, [cand('p1', 0.9999, { score: ssnElse(0.9999, 'else', 'one_keystroke') })], rs);
      expect(twins.outcome).toBe('review');
    });

    describe('another record of the same person may carry the link', () => {
      const rec = (id: string, probability: number, given: string, birth: string, ssn = 'else'): CandidateEvaluation => {
        const s = ssnElse(probability, given, birth);
        s.contributions = s.contributions.map((c) => (c.field === 'ssn' ? { ...c, level: ssn, a: ssn === 'missing' ? null : 'x', b: ssn === 'missing' ? null : 'y' } : c));
        return { personId: 'p1', recordId: id, organizationId: 'org-b', score: s, noMatchAsserted: false };
      };
      it.each([
        // [case, best record, other record, outcome, linked via]
        ['other record clears the bar and is waived → linked through it', rec('best', 0.99999, 'else', 'exact'), rec('alt', 0.9999, 'exact', 'exact'), 'linked', 'alt'],
        ['other record clears the bar with the SSN agreeing → linked through it', rec('best', 0.99999, 'else', 'exact'), rec('alt', 0.9999, 'else', 'exact', 'exact'), 'linked', 'alt'],
        ['other record below the auto-link bar → review', rec('best', 0.99999, 'else', 'exact'), rec('alt', 0.9, 'exact', 'exact'), 'review', null],
        ['other record conflicts too → review', rec('best', 0.99999, 'else', 'exact'), rec('alt', 0.9999, 'missing', 'exact'), 'review', null],
        ['other record has no SSN: it cannot vouch for one → review', rec('best', 0.99999, 'else', 'exact'), rec('alt', 0.9999, 'else', 'exact', 'missing'), 'review', null],
      ])('%s', (_label, best, other, outcome, via) => {
        const d = decide(incoming, [best, other], rs);
        expect(d.outcome).toBe(outcome);
        if (via) {
          expect(d.best?.recordId).toBe(via);
          expect(d.reasons).toContain('strong-identifier-conflict-other-record');
        } else expect(d.reasons).toContain('strong-identifier-conflict');
      });
    });

    describe('sex must not disagree for the waiver (boy/girl twins with similar names: CHRISTIAN/CHRISTINA)', () => {
      const withSex = (given: string, sex: string | null, ssn = 'else'): MatchScore => {
        const s = ssnElse(0.9999, given, 'exact');
        s.contributions = s.contributions.map((c) => (c.field === 'ssn' ? { ...c, level: ssn } : c));
        if (sex !== null) s.contributions.push({ field: 'sex', level: sex, a: sex === 'missing' ? null : 'x', b: 'y', weight: 0 });
        return s;
      };
      it.each([
        ['similar name, same sex → waived', withSex('jw_0_92', 'exact'), false],
        ['similar name, sex differs → conflict', withSex('jw_0_92', 'else'), true],
        ['exact name, sex differs → conflict', withSex('exact', 'else'), true],
        ['sex missing on one side → waived (must not disagree)', withSex('jw_0_92', 'missing'), false],
        ['sex not compared at all → waived', withSex('jw_0_92', null), false],
        ['consecutive SSNs (twins registered together), different names → conflict', withSex('else', 'exact', 'consecutive'), true],
        ['consecutive SSNs, same name, birth date and sex → waived', withSex('exact', 'exact', 'consecutive'), false],
      ])('%s', (_label, s, conflict) => expect(strongIdentifierConflict(s, rs)).toBe(conflict));
    });

    it('given name missing on either side → not agreeing → review', () => {
      const c = cand('p1', 0.9999, { score: ssnElse(0.9999, 'missing', 'exact') });
      expect(strongIdentifierConflict(c.score, rs)).toBe(true);
      expect(decide(incoming, [c], rs).outcome).toBe('review');
    });

    it('without unlessAgree every SSN difference is a conflict', () => {
      const strict = ruleSet((r) => delete r.decision.strongIdentifierConflicts[0].unlessAgree);
      expect(strongIdentifierConflict(ssnElse(0.9999, 'exact', 'exact'), strict)).toBe(true);
    });
  });

  it('no-match assertion: never links that person, and does not send it to review', () => {
    const d = decide(incoming, [cand('p1', 0.9999, { noMatchAsserted: true }), cand('p1', 0.6)], rs);
    expect(d.outcome).toBe('new-person');
    expect(d.review).toEqual([]);
    expect(d.reasons).toContain('no-match-asserted');
  });

  it('no-match on the best person still lets another person link', () => {
    const d = decide(incoming, [cand('p1', 0.9999, { noMatchAsserted: true }), cand('p2', 0.995)], rs);
    expect(d).toMatchObject({ outcome: 'linked', personId: 'p2' });
  });

  it('same-organization candidate → linked and flagged', () => {
    const d = decide(incoming, [cand('p1', 0.999, { organizationId: 'org-a' })], rs);
    expect(d).toMatchObject({ outcome: 'linked', personId: 'p1', sameSourceDuplicate: true });
    expect(d.reasons).toContain('same-source-duplicate');
  });

  it('same-organization candidate → review when the rule set says so', () => {
    const strict = ruleSet((r) => (r.decision.sameSourceDuplicate = 'review'));
    const d = decide(incoming, [cand('p1', 0.999, { organizationId: 'org-a' })], strict);
    expect(d).toMatchObject({ outcome: 'review', personId: null, sameSourceDuplicate: true });
  });

  it('review band → review tasks, best first, capped', () => {
    const cands = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((p, i) => cand(p, 0.6 + i * 0.05));
    const d = decide(incoming, cands, rs);
    expect(d.outcome).toBe('review');
    expect(d.review).toHaveLength(rs.decision.maxReviewTasks);
    expect(d.review[0].personId).toBe('g');
    expect(d.review.every((r) => r.reason === 'review-band')).toBe(true);
  });

  it('below the review band → new person', () => {
    const d = decide(incoming, [cand('p1', 0.2)], rs);
    expect(d).toMatchObject({ outcome: 'new-person', review: [] });
    expect(d.best?.personId).toBe('p1');
    expect(d.reasons).toEqual(['below-review-threshold']);
  });
});

describe('decide: several persons above the auto-link bar', () => {
  it('links to a dominant best person and asks a steward about the others', () => {
    const strong = (weight: number) => ({ weight, priorWeight: -13, probability: 1 - 2 ** -(weight - 13), grade: 'certain' as const, contributions: [] });
    const cands = [
      { personId: 'p1', recordId: 'r1', organizationId: 'a', score: strong(40), noMatchAsserted: false },
      { personId: 'p2', recordId: 'r2', organizationId: 'a', score: strong(30), noMatchAsserted: false },
    ];
    const linked = decide({ organizationId: 'b' }, cands, rs);
    expect(linked.outcome).toBe('linked');
    expect(linked.personId).toBe('p1');
    expect(linked.review.map((r) => [r.personId, r.reason])).toEqual([['p2', 'possible-duplicate-person']]);
    expect(linked.reasons).toContain('dominant-among-multiple-persons');
  });

  it('reviews when the best does not dominate the runner-up by the margin', () => {
    const strong = (weight: number) => ({ weight, priorWeight: -13, probability: 1 - 2 ** -(weight - 13), grade: 'certain' as const, contributions: [] });
    const close = decide(
      { organizationId: 'b' },
      [
        { personId: 'p1', recordId: 'r1', organizationId: 'a', score: strong(31), noMatchAsserted: false },
        { personId: 'p2', recordId: 'r2', organizationId: 'a', score: strong(30), noMatchAsserted: false },
      ],
      rs,
    );
    expect(close.outcome).toBe('review');
    expect(close.reasons).toContain('multiple-persons-above-auto-link');
  });
});

describe('decide: the strong identifier selects among several persons above the bar', () => {
  // weight w (bits over a prior of -13), SSN at the given level
  const ev = (personId: string, weight: number, ssn: string): CandidateEvaluation => evaluation(personId, weight - 13, { ssn });
  const cases: Array<{ name: string; cands: CandidateEvaluation[]; outcome: string; personId: string | null; reason: string }> = [
    { name: 'best agrees on SSN, close runner-up conflicts → best', cands: [ev('p1', 36.8, 'exact'), ev('p2', 33.8, 'else')], outcome: 'linked', personId: 'p1', reason: 'strong-identifier-selects-person' },
    { name: 'best conflicts, runner-up agrees → runner-up', cands: [ev('p1', 40, 'else'), ev('p2', 30, 'exact')], outcome: 'linked', personId: 'p2', reason: 'strong-identifier-selects-person' },
    { name: 'one-edit SSN counts as agreeing', cands: [ev('p1', 30, 'one_edit'), ev('p2', 29, 'else')], outcome: 'linked', personId: 'p1', reason: 'strong-identifier-selects-person' },
    { name: 'both agree, close → review', cands: [ev('p1', 28.3, 'exact'), ev('p2', 25.1, 'one_edit')], outcome: 'review', personId: null, reason: 'multiple-persons-above-auto-link' },
    { name: 'both conflict → review', cands: [ev('p1', 30, 'else'), ev('p2', 29, 'else')], outcome: 'review', personId: null, reason: 'multiple-persons-above-auto-link' },
    { name: 'the only non-conflicting person has no SSN → review', cands: [ev('p1', 30, 'missing'), ev('p2', 29, 'else')], outcome: 'review', personId: null, reason: 'multiple-persons-above-auto-link' },
    { name: 'two agree and one conflicts → review (close)', cands: [ev('p1', 30, 'exact'), ev('p2', 29, 'exact'), ev('p3', 29.5, 'else')], outcome: 'review', personId: null, reason: 'multiple-persons-above-auto-link' },
  ];
  it.each(cases)('$name', ({ cands, outcome, personId, reason }) => {
    const d = decide({ organizationId: 'b' }, cands, rs);
    expect(d.outcome).toBe(outcome);
    expect(d.personId).toBe(personId);
    expect(d.reasons).toContain(reason);
    if (outcome === 'linked') expect(d.review.every((r) => r.reason === 'possible-duplicate-person' && r.personId !== personId)).toBe(true);
  });

  it('same-source review policy still applies', () => {
    const rsReview = ruleSet((r) => {
      r.decision.sameSourceDuplicate = 'review';
    });
    const d = decide({ organizationId: 'a' }, [ev('p1', 36.8, 'exact'), ev('p2', 33.8, 'else')], rsReview);
    expect(d.outcome).toBe('review');
  });
});


describe('decide: household guards (1.6.0): a given name or birth date no SSN vouches for', () => {
  /** A pair scored far above the bar (shared surname, address, phone) with these levels; 'missing' = absent on one side. */
  const pair = (personId: string, levels: Record<string, string>, weight = 30): CandidateEvaluation => evaluation(personId, weight, levels);
  const cases: Array<{ name: string; levels: Record<string, string>; outcome: string; reasons: string[]; review?: string }> = [
    { name: 'twins without SSNs: given name differs, same birth date → review', levels: { given_name: 'else', birth_date: 'exact', ssn: 'missing' }, outcome: 'review', reasons: ['given-name-conflict'], review: 'given-name-conflict' },
    { name: 'Sr/Jr without SSNs: same given name, birth date differs → review', levels: { given_name: 'exact', birth_date: 'else', ssn: 'missing' }, outcome: 'review', reasons: ['birth-date-conflict'], review: 'birth-date-conflict' },
    { name: 'spouse, parent or child: given name and birth date differ → not a candidate at all', levels: { given_name: 'else', birth_date: 'else', ssn: 'missing' }, outcome: 'new-person', reasons: ['given-name-conflict-excluded', 'no-candidates'] },
    { name: 'a given-name change the SSN vouches for → linked, reason waived', levels: { given_name: 'else', birth_date: 'exact', ssn: 'exact' }, outcome: 'linked', reasons: ['auto-link', 'given-name-conflict-waived'] },
    { name: 'an SSN typo vouches too', levels: { given_name: 'exact', birth_date: 'else', ssn: 'one_edit' }, outcome: 'linked', reasons: ['auto-link', 'birth-date-conflict-waived'] },
    { name: 'a nickname is agreement: no guard', levels: { given_name: 'nickname', birth_date: 'exact', ssn: 'missing' }, outcome: 'linked', reasons: ['auto-link'] },
    { name: 'given name missing: the guard does not fire (the SSN guard may)', levels: { given_name: 'missing', birth_date: 'exact', ssn: 'missing' }, outcome: 'linked', reasons: ['auto-link'] },
    { name: 'given name and birth date differ but the SSN agrees → waived, the score decides', levels: { given_name: 'else', birth_date: 'else', ssn: 'exact' }, outcome: 'linked', reasons: ['auto-link', 'given-name-conflict-waived', 'birth-date-conflict-waived'] },
    { name: 'SSN differs and given name differs: the SSN guard and the household guard agree → review', levels: { given_name: 'else', birth_date: 'exact', ssn: 'else' }, outcome: 'review', reasons: ['strong-identifier-conflict'], review: 'strong-identifier-conflict' },
  ];
  it.each(cases)('$name', ({ levels, outcome, reasons, review }) => {
    const d = decide({ organizationId: 'b' }, [pair('p1', levels)], rs);
    expect(d.outcome).toBe(outcome);
    expect(d.reasons).toEqual(reasons);
    if (review) expect(d.review.map((r) => r.reason)).toEqual([review]);
    else expect(d.review).toEqual([]);
  });

  it('an excluded household member leaves the real match to link alone, with no review task about the relative', () => {
    const spouse = pair('p-spouse', { given_name: 'else', birth_date: 'else', ssn: 'missing' }, 28);
    const self = pair('p-self', { given_name: 'exact', birth_date: 'exact', ssn: 'missing' }, 35);
    const d = decide({ organizationId: 'b' }, [spouse, self], rs);
    expect(d).toMatchObject({ outcome: 'linked', personId: 'p-self', review: [] });
  });

  it('a household guard needs no SSN on the record that selects a person (only identifier guards do)', () => {
    // Two persons above the bar, one ruled out by the SSN guard; the other agrees on the SSN and has no birth date.
    const other = pair('p2', { given_name: 'exact', birth_date: 'missing', ssn: 'else' }, 33);
    const same = pair('p1', { given_name: 'exact', birth_date: 'missing', ssn: 'exact' }, 34);
    const d = decide({ organizationId: 'b' }, [same, other], rs);
    expect(d).toMatchObject({ outcome: 'linked', personId: 'p1' });
    expect(d.reasons).toContain('strong-identifier-selects-person');
  });
});
