/**
 * Quality floors of the default rule set, through the pure engine (the incremental MPI
 * simulated in memory, scripts/engine-simulation.ts): FEBRL (typos, no households) and a
 * synthetic population living in households (twins, Sr/Jr, spouses, parents and children
 * sharing surname, address and phone: test/factories/household-population.ts).
 *
 * The floors sit a little under the figures `npm run eval:engine` prints, so a change that
 * costs accuracy fails here; they are assertions about the rule set, never inputs to it.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/matching/rules/load-rule-set.js';
import { simulate, type SourceRow } from '../../scripts/engine-simulation.js';
import { febrlDirectory, readFebrl, scoreClusters } from '../../scripts/febrl.js';
import { householdPopulation } from '../factories/household-population.js';

const root = resolve(import.meta.dirname, '../..');
const febrlDir = febrlDirectory();
const rs = loadRuleSet(resolve(root, 'matching-rules/default.json'));

function quality(rows: SourceRow[]) {
  const { stored } = simulate(rows, rs);
  return scoreClusters(stored.map((s) => ({ recId: s.recId, cluster: String(s.person) })));
}

describe('matching quality of the default rule set (pure engine)', () => {
  it('FEBRL4 (two organizations): no false link, F1 ≥ 0.99', () => {
    const q = quality([...readFebrl(febrlDir, 'dataset4a.csv', 'a'), ...readFebrl(febrlDir, 'dataset4b.csv', 'b')]);
    expect(q.precision).toBeGreaterThanOrEqual(0.999);
    expect(q.f1).toBeGreaterThanOrEqual(0.99);
  });

  it('FEBRL3 (up to ten records per person, one organization): no false link, F1 ≥ 0.98', () => {
    const q = quality(readFebrl(febrlDir, 'dataset3.csv', 'a'));
    expect(q.precision).toBeGreaterThanOrEqual(0.999);
    expect(q.f1).toBeGreaterThanOrEqual(0.98);
  });

  it('households: relatives sharing surname, address and phone are kept apart (precision ≥ 0.98, F1 ≥ 0.95)', () => {
    // Before the household guards (rule set 1.5.0) this population scored precision 0.65:
    // a spouse, parent or child with the same surname, address and phone out-scored a
    // different given name, birth date and sex.
    const population = householdPopulation({ seed: 7, households: 2000 });
    const q = quality(population.records.map((r) => ({ recId: `rec-${r.entity}-${r.localId}`, org: r.organizationId, demographics: r.demographics })));
    expect(q.precision).toBeGreaterThanOrEqual(0.98);
    expect(q.f1).toBeGreaterThanOrEqual(0.95);
  });
});
