import { describe, expect, it } from 'vitest';
import { explain } from './explain.js';
import type { MatchScore } from './types.js';

describe('explain', () => {
  const score: MatchScore = {
    weight: -19.9 + 10 - 5 + 0,
    priorWeight: -19.9,
    probability: 0,
    grade: 'certainly-not',
    contributions: [
      { field: 'sex', level: 'missing', a: null, b: null, weight: 0 },
      { field: 'given_name', level: 'else', a: 'A', b: 'B', weight: -5, m: 0.03, u: 0.97 },
      { field: 'family_name', level: 'exact', a: 'X', b: 'X', weight: 10, m: 0.9, u: 0.001 },
    ],
  };
  it('puts the prior first, then contributions by absolute weight, with running totals', () => {
    const steps = explain(score);
    expect(steps.map((s) => s.field)).toEqual(['prior', 'family_name', 'given_name', 'sex']);
    expect(steps.map((s) => s.cumulative)).toEqual([-19.9, -9.9, -14.9, -14.9].map((x) => expect.closeTo(x, 9)));
    expect(steps[steps.length - 1].cumulative).toBeCloseTo(score.weight, 9);
  });
});
