import type { Contribution, MatchScore } from './types.js';

export interface WaterfallStep {
  field: string;
  level: string;
  a: string | null;
  b: string | null;
  weight: number;
  /** Running total after this step (bits). */
  cumulative: number;
  m?: number;
  u?: number;
  tfAdjustment?: number;
}

/**
 * Waterfall order for a score: the prior first, then the field contributions by absolute
 * weight (largest first; 'missing' fields, weight 0, last), each with the running total.
 */
export function explain(score: MatchScore): WaterfallStep[] {
  const steps: WaterfallStep[] = [
    { field: 'prior', level: 'prior', a: null, b: null, weight: score.priorWeight, cumulative: score.priorWeight },
  ];
  const sorted: Contribution[] = score.contributions
    .map((c, i) => ({ c, i }))
    .sort((x, y) => Math.abs(y.c.weight) - Math.abs(x.c.weight) || x.i - y.i)
    .map((x) => x.c);
  let total = score.priorWeight;
  for (const c of sorted) {
    total += c.weight;
    steps.push({ ...c, cumulative: total });
  }
  return steps;
}
