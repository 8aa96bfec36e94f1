import { describe, expect, it } from 'vitest';
import { normalize } from './normalize.js';
import { loadRuleSet } from '../rules/load-rule-set.js';
import { compareLevels, compareRecords, gradeFor, priorWeightFor, scoreLevels, scoreLevelsLazily, scorePair, termFrequencyAdjustment, termFrequencyTerms, weightToProbability } from './scoring.js';
import { SSN_SYSTEM, type Demographics } from './types.js';

const rs = loadRuleSet(new URL('../../../matching-rules/default.json', import.meta.url).pathname);

const person = (family: string, given = 'Anna', birthDate = '1970-06-15'): Demographics => ({
  name: [{ family, given: [given] }],
  birthDate,
  sex: 'female',
  identifiers: [{ system: SSN_SYSTEM, value: '123-45-6788' }],
});

describe('scorePair', () => {
  const a = normalize(person('Smith'));
  const s = scorePair(a, normalize(person('Smith')), rs);

  it('weight = prior + Σ log2(m/u); probability = 2^w/(1+2^w)', () => {
    const sum = s.contributions.reduce((t, c) => t + c.weight, 0);
    expect(s.weight).toBeCloseTo(s.priorWeight + sum, 9);
    expect(s.priorWeight).toBeCloseTo(Math.log2(rs.lambda / (1 - rs.lambda)), 9);
    expect(s.probability).toBeCloseTo(2 ** s.weight / (1 + 2 ** s.weight), 12);
    for (const c of s.contributions) if (c.m !== undefined && c.u !== undefined) expect(c.weight).toBeCloseTo(Math.log2(c.m / c.u), 9);
  });

  it('lists contributions in rule order, missing fields at weight 0', () => {
    expect(s.contributions.map((c) => c.field)).toEqual(rs.fields.map((f) => f.id));
    const addr = s.contributions.find((c) => c.field === 'address')!;
    expect(addr).toEqual({ field: 'address', level: 'missing', a: null, b: null, weight: 0 });
  });

  it('grades an identical record certain and a stranger certainly-not', () => {
    expect(s.grade).toBe('certain');
    const other = scorePair(a, normalize({ name: [{ family: 'Jones', given: ['Bob'] }], birthDate: '1990-01-02', sex: 'male' }), rs);
    expect(other.grade).toBe('certainly-not');
    expect(other.probability).toBeLessThan(0.001);
  });

  it('a typo in the name scores lower than exact agreement but higher than disagreement', () => {
    const typo = scorePair(a, normalize(person('Smiht')), rs);
    const diff = scorePair(a, normalize(person('Lee')), rs);
    expect(typo.weight).toBeLessThan(s.weight);
    expect(typo.weight).toBeGreaterThan(diff.weight);
  });

  it('TF adjustment: agreement on a common surname weighs less than on a rare one', () => {
    const tf = (field: string, value: string): number | undefined =>
      field === 'family_name' ? (value === 'SMITH' ? 0.01 : 0.00002) : undefined;
    const common = scorePair(a, normalize(person('Smith')), rs, tf);
    const rare = scorePair(normalize(person('Quackenbush')), normalize(person('Quackenbush')), rs, tf);
    const cf = common.contributions.find((c) => c.field === 'family_name')!;
    const rf = rare.contributions.find((c) => c.field === 'family_name')!;
    expect(cf.tfAdjustment).toBeLessThan(0);
    expect(rf.tfAdjustment).toBeGreaterThan(0);
    expect(cf.weight).toBeLessThan(rf.weight);
    expect(common.weight).toBeLessThan(rare.weight);
    // No adjustment when the frequency is unknown or the level is not TF-enabled.
    expect(s.contributions.find((c) => c.field === 'family_name')!.tfAdjustment).toBeUndefined();
    const typo = scorePair(a, normalize(person('Smiht')), rs, tf).contributions.find((c) => c.field === 'family_name')!;
    expect(typo.tfAdjustment).toBeUndefined();
  });
});

describe('scoring helpers', () => {
  it.each([
    [0, 0.5],
    [1, 2 / 3],
    [-1, 1 / 3],
    [2000, 1],
    [-2000, 0],
  ])('weightToProbability(%d) = %d', (w, p) => expect(weightToProbability(w)).toBeCloseTo(p, 12));

  it.each([
    [0.999, 'certain'],
    [0.99, 'certain'],
    [0.95, 'probable'],
    [0.6, 'possible'],
    [0.1, 'certainly-not'],
  ] as const)('gradeFor(%d) = %s', (p, g) => expect(gradeFor(p, rs)).toBe(g));

  it.each([
    [0.0015, 0.0015, 0],
    [0.0015, 0.003, -1],
    [0.0015, 0.00075, 1],
    [0.0015, 0.5, -4],
    [0.0015, 0, 4],
  ])('termFrequencyAdjustment(u=%d, f=%d) = %d bits (clamped ±4)', (u, f, adj) =>
    expect(termFrequencyAdjustment(u, f, { weight: 1, minFrequency: 0.00001, maxAdjustment: 4 })).toBeCloseTo(adj, 9));

  it('termFrequencyTerms lists the TF-enabled fields with values', () => {
    expect(termFrequencyTerms(normalize(person('Smith')), rs)).toEqual([
      { field: 'given_name', value: 'ANNA' },
      { field: 'family_name', value: 'SMITH' },
    ]);
  });
});

describe('priorWeightFor / size-dependent prior', () => {
  const logit2 = (l: number): number => Math.log2(l / (1 - l));

  it('below the floor N counts as minRecords', () => {
    expect(rs.prior).toEqual({ expectedMatchShare: 0.5, minRecords: 10000 });
    expect(priorWeightFor(rs, 0)).toBeCloseTo(logit2(0.5 / 10000), 9);
    expect(priorWeightFor(rs, 37)).toBeCloseTo(logit2(0.5 / 10000), 9);
    expect(priorWeightFor(rs, 9999)).toBeCloseTo(logit2(0.5 / 10000), 9);
  });

  it('at the floor and above: λ = expectedMatchShare / N', () => {
    expect(priorWeightFor(rs, 10000)).toBeCloseTo(logit2(5e-5), 9);
    expect(priorWeightFor(rs, 1_000_000)).toBeCloseTo(logit2(5e-7), 9);
    expect(priorWeightFor(rs, 1_000_000)).toBeCloseTo(-20.93, 2);
    expect(priorWeightFor(rs, 20000)).toBeCloseTo(priorWeightFor(rs, 10000) - 1, 3);
  });

  it('falls back to lambda without a count, with an invalid count, or without a prior block', () => {
    expect(priorWeightFor(rs)).toBe(rs.priorWeight);
    expect(priorWeightFor(rs, Number.NaN)).toBe(rs.priorWeight);
    expect(priorWeightFor(rs, -1)).toBe(rs.priorWeight);
    expect(priorWeightFor({ ...rs, prior: null }, 1_000_000)).toBe(rs.priorWeight);
    expect(rs.priorWeight).toBeCloseTo(logit2(rs.lambda), 9);
  });

  it('scorePair: probability rises as the record count falls; priorWeight is the prior used', () => {
    const a = normalize(person('Smith'));
    const b = normalize(person('Smith', 'Anne', '1970-06-16'));
    const big = scorePair(a, b, rs, undefined, { recordCount: 5_000_000 });
    const mid = scorePair(a, b, rs, undefined, { recordCount: 100_000 });
    const small = scorePair(a, b, rs, undefined, { recordCount: 500 });
    expect(big.probability).toBeLessThan(mid.probability);
    expect(mid.probability).toBeLessThan(small.probability);
    expect(small.priorWeight).toBeCloseTo(priorWeightFor(rs, 500), 12);
    expect(mid.priorWeight).toBeCloseTo(priorWeightFor(rs, 100_000), 12);
    const sum = mid.contributions.reduce((t, c) => t + c.weight, 0);
    expect(mid.weight).toBeCloseTo(mid.priorWeight + sum, 9);
    // same evidence, only the prior differs
    expect(small.weight - big.weight).toBeCloseTo(small.priorWeight - big.priorWeight, 9);
  });

  it('scorePair without a count uses lambda', () => {
    const a = normalize(person('Smith'));
    const s1 = scorePair(a, a, rs);
    const s2 = scorePair(a, a, rs, undefined, {});
    expect(s1.priorWeight).toBe(rs.priorWeight);
    expect(s2.priorWeight).toBe(rs.priorWeight);
  });
});

describe('compareLevels / scoreLevels', () => {
  const records = [
    person('Smith'), person('Smyth'), person('Smith', 'Ann'), person('Smith', 'Anna', '1970-15-06'), person('Jones', 'Bob', '1990-01-02'),
    { name: [{ family: 'Garcia-Lopez', given: ['Maria'] }], birthDate: '1980-03-04', address: [{ line: ['12 Main St'], postalCode: '53703' }] },
    { name: [{ family: 'Garcia', given: ['Maria'] }], birthDate: '1980-04-03', address: [{ line: ['12 Main Street', 'Apt 4'], postalCode: '53703' }] },
    { name: [{ given: ['Maria'] }], telecom: [{ system: 'phone', value: '608-555-0101' }] },
  ].map((d) => normalize(d as Demographics));
  const tf = (field: string) => (field === 'family_name' ? 0.002 : undefined);

  it('chooses the level compareRecords reports for every field (-1 when missing)', () => {
    for (const a of records) {
      for (const b of records) {
        expect([...compareLevels(a, b, rs)]).toEqual(compareRecords(a, b, rs).map((c) => c.levelIndex));
      }
    }
  });

  it('scores levels computed earlier exactly as scorePair scores the pair', () => {
    for (const a of records) {
      for (const b of records) {
        const levels = compareLevels(a, b, rs);
        const eager = scorePair(a, b, rs, tf, { recordCount: 250_000 });
        expect(scoreLevels(a, b, levels, rs, tf, { recordCount: 250_000 })).toEqual(eager);
        const lazy = scoreLevelsLazily(a, b, levels, rs, tf, { recordCount: 250_000 });
        expect(lazy.weight).toBe(eager.weight);
        expect(JSON.stringify(lazy)).toBe(JSON.stringify(eager));
        expect(lazy).toEqual(eager);
      }
    }
  });
});
