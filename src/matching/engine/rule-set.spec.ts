import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, compileRuleSet } from './rule-set.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const defaultRaw = (): Raw => JSON.parse(readFileSync(new URL('../../../matching-rules/default.json', import.meta.url), 'utf8')) as Raw;

function errorsOf(mutate: (r: Raw) => void): string[] {
  const raw = defaultRaw();
  mutate(raw);
  const res = compileRuleSet(raw);
  return res.ok ? [] : res.errors;
}

describe('compileRuleSet', () => {
  it('compiles the default rule set with id, version, hash and prior', () => {
    const res = compileRuleSet(defaultRaw());
    if (!res.ok) throw new Error(res.errors.join('\n'));
    expect(res.ruleSet.id).toBe('us-hie-default');
    expect(res.ruleSet.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.ruleSet.priorWeight).toBeCloseTo(Math.log2(1e-6 / (1 - 1e-6)), 9);
    expect(res.ruleSet.grades.certain).toBe(res.ruleSet.thresholds.autoLink);
    expect(res.ruleSet.prior).toEqual({ expectedMatchShare: 0.5, minRecords: 10000 });
    const ssnAgrees = { ssn: ['exact', 'one_edit', 'two_edits'] };
    expect(res.ruleSet.decision.strongIdentifierConflicts).toEqual([
      {
        kind: 'identifier',
        field: 'ssn',
        levels: ['else', 'consecutive'],
        unlessAgree: {
          given_name: ['exact', 'nickname', 'jw_0_92', 'swapped'],
          birth_date: ['exact', 'day_month_transposed', 'one_keystroke'],
          sex: ['exact', 'missing'],
        },
        excludeIf: null,
        reason: 'strong-identifier-conflict',
      },
      { kind: 'household', field: 'given_name', levels: ['else'], unlessAgree: ssnAgrees, excludeIf: { birth_date: ['else'] }, reason: 'given-name-conflict' },
      { kind: 'household', field: 'birth_date', levels: ['else'], unlessAgree: ssnAgrees, excludeIf: null, reason: 'birth-date-conflict' },
    ]);
  });

  it('the prior block is optional (then only lambda is used)', () => {
    const raw = defaultRaw();
    delete raw.prior;
    const res = compileRuleSet(raw);
    if (!res.ok) throw new Error(res.errors.join('\n'));
    expect(res.ruleSet.prior).toBeNull();
  });

  it('hashes canonical JSON: key order does not matter, values do', () => {
    const a = compileRuleSet(defaultRaw());
    const reordered = Object.fromEntries(Object.entries(defaultRaw()).reverse());
    const b = compileRuleSet(reordered);
    const changed = defaultRaw();
    changed.version = '9.9.9';
    const c = compileRuleSet(changed);
    if (!a.ok || !b.ok || !c.ok) throw new Error('should compile');
    expect(b.ruleSet.hash).toBe(a.ruleSet.hash);
    expect(c.ruleSet.hash).not.toBe(a.ruleSet.hash);
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
  });

  it('writes canonical JSON exactly as it always has (stored content hashes are taken of it)', () => {
    // The implementation content hashes were first taken with, kept here as the reference.
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      if (isObj(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${reference(v[k])}`).join(',')}}`;
      return JSON.stringify(v);
    };
    const samples: unknown[] = [
      { name: [{ family: 'Núñez', given: ['José', 'María'] }], birthDate: '1980-02-29', sex: 'male', telecom: [], address: undefined },
      { z: null, a: [undefined, null, 0, -0.5, 1e21, 'é"\\\n'], m: { y: { x: true, w: false }, '': 'empty key' }, 'k"ey': [[], {}] },
      [1, [2, [3, { b: undefined, a: 'x' }]]],
      'plain',
      42,
      null,
    ];
    for (const v of samples) expect(canonicalJson(v)).toBe(reference(v));
  });

  it('rejects a non-object', () => expect(compileRuleSet(42)).toEqual({ ok: false, errors: ['$: rule set must be a JSON object'] }));

  // One message per problem, each with its JSON path.
  it.each<[string, (r: Raw) => void, string]>([
    ['unknown predicate', (r) => (r.fields[0].levels[1].predicate = 'fuzzyMagic'), '$.fields[0].levels[1].predicate: unknown predicate "fuzzyMagic"'],
    ['unknown value', (r) => (r.fields[0].value = 'favouriteColour'), '$.fields[0].value: unknown value "favouriteColour"'],
    ['predicate for another kind', (r) => (r.fields[2].levels[0].predicate = 'nickname'), '$.fields[2].levels[0].predicate: predicate "nickname" does not apply to date values'],
    ['m = 0', (r) => (r.fields[3].levels[0].m = 0), '$.fields[3].levels[0].m: must be a number strictly between 0 and 1'],
    ['u = 1', (r) => (r.fields[3].levels[1].u = 1), '$.fields[3].levels[1].u: must be a number strictly between 0 and 1'],
    ['m sum', (r) => (r.fields[2].levels[0].m = 0.5), '$.fields[2].levels: m values must sum to 1'],
    ['else not last', (r) => r.fields[3].levels.reverse(), '$.fields[3].levels[0].predicate: "else" must be the last level'],
    ['thresholds out of order', (r) => (r.fields[0].levels[3].threshold = 0.95), '$.fields[0].levels[3].threshold: levels out of order'],
    ['missing threshold', (r) => delete r.fields[0].levels[2].threshold, '$.fields[0].levels[2].threshold: must be a number in (0, 1]'],
    ['stray parameter', (r) => (r.fields[0].levels[0].threshold = 0.9), '$.fields[0].levels[0].threshold: not a parameter of predicate "exact"'],
    ['duplicate level id', (r) => (r.fields[0].levels[1].id = 'exact'), '$.fields[0].levels[1].id: duplicate level id "exact"'],
    ['duplicate field id', (r) => (r.fields[1].id = 'given_name'), '$.fields[1].id: duplicate field id "given_name"'],
    ['lambda = 1', (r) => (r.lambda = 1), '$.lambda: must be a number strictly between 0 and 1'],
    ['review ≥ autoLink', (r) => (r.thresholds.review = 0.995), '$.thresholds.review: must be lower than thresholds.autoLink'],
    ['grades out of order', (r) => (r.grades.possible = 0.95), '$.grades.possible: must be lower than grades.probable'],
    ['unknown key function', (r) => (r.blocking.rules[0].keys = ['familyPhonetic', 'shoeSize']), '$.blocking.rules[0].keys[1]: unknown key function "shoeSize"'],
    ['duplicate blocking rule', (r) => (r.blocking.rules[1].id = r.blocking.rules[0].id), '$.blocking.rules[1].id: duplicate blocking rule id'],
    ['maxBlockSize 0', (r) => (r.blocking.maxBlockSize = 0), '$.blocking.maxBlockSize: must be an integer ≥ 1'],
    ['rule maxBlockSize 0', (r) => (r.blocking.rules[0].maxBlockSize = 0), '$.blocking.rules[0].maxBlockSize: must be an integer ≥ 1'],
    ['rule maxBlockSize above the rule set\'s', (r) => (r.blocking.rules[0].maxBlockSize = r.blocking.maxBlockSize + 1), '$.blocking.rules[0].maxBlockSize: must not exceed $.blocking.maxBlockSize'],
    ['strong identifier unknown field', (r) => (r.decision.strongIdentifierConflicts[0].field = 'passport'), '$.decision.strongIdentifierConflicts[0].field: unknown field "passport"'],
    ['strong identifier unknown level', (r) => (r.decision.strongIdentifierConflicts[0].levels = ['nope']), '$.decision.strongIdentifierConflicts[0].levels: "nope" is not a level of field "ssn"'],
    ['unlessAgree unknown field', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree.shoe_size = ['exact']), '$.decision.strongIdentifierConflicts[0].unlessAgree.shoe_size: unknown field "shoe_size"'],
    ['unlessAgree unknown level', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree.birth_date = ['exact', 'close']), '$.decision.strongIdentifierConflicts[0].unlessAgree.birth_date: "close" is not a level of field "birth_date"'],
    ['unlessAgree "missing" alone', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree.given_name = ['missing']), '$.decision.strongIdentifierConflicts[0].unlessAgree.given_name: must list at least one level other than "missing"'],
    ['unlessAgree empty', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree = {}), '$.decision.strongIdentifierConflicts[0].unlessAgree: must be a non-empty object'],
    ['unlessAgree empty levels', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree.given_name = []), '$.decision.strongIdentifierConflicts[0].unlessAgree.given_name: must be a non-empty array of level ids'],
    ['unlessAgree on the conflict field', (r) => (r.decision.strongIdentifierConflicts[0].unlessAgree.ssn = ['exact']), '$.decision.strongIdentifierConflicts[0].unlessAgree.ssn: must name a field other than'],
    ['strong identifier unknown property', (r) => (r.decision.strongIdentifierConflicts[0].unless = {}), '$.decision.strongIdentifierConflicts[0].unless: unknown property'],
    ['guard reason not kebab-case', (r) => (r.decision.strongIdentifierConflicts[1].reason = 'Given Name'), '$.decision.strongIdentifierConflicts[1].reason: must match'],
    ['guard kind unknown', (r) => (r.decision.strongIdentifierConflicts[1].kind = 'family'), '$.decision.strongIdentifierConflicts[1].kind: must be "identifier" or "household"'],
    ['excludeIf empty', (r) => (r.decision.strongIdentifierConflicts[1].excludeIf = {}), '$.decision.strongIdentifierConflicts[1].excludeIf: must be a non-empty object'],
    ['excludeIf unknown level', (r) => (r.decision.strongIdentifierConflicts[1].excludeIf = { birth_date: ['far'] }), '$.decision.strongIdentifierConflicts[1].excludeIf.birth_date: "far" is not a level of field "birth_date"'],
    ['excludeIf "missing" is no level there', (r) => (r.decision.strongIdentifierConflicts[1].excludeIf = { birth_date: ['missing'] }), '$.decision.strongIdentifierConflicts[1].excludeIf.birth_date: "missing" is not a level of field "birth_date"'],
    ['excludeIf on the conflict field', (r) => (r.decision.strongIdentifierConflicts[1].excludeIf = { given_name: ['exact'] }), '$.decision.strongIdentifierConflicts[1].excludeIf.given_name: must name a field other than'],
    ['prior share 0', (r) => (r.prior.expectedMatchShare = 0), '$.prior.expectedMatchShare: must be a number in (0, 1]'],
    ['prior share > 1', (r) => (r.prior.expectedMatchShare = 1.5), '$.prior.expectedMatchShare: must be a number in (0, 1]'],
    ['prior minRecords 0', (r) => (r.prior.minRecords = 0), '$.prior.minRecords: must be an integer ≥ 1'],
    ['prior minRecords fractional', (r) => (r.prior.minRecords = 10.5), '$.prior.minRecords: must be an integer ≥ 1'],
    ['prior λ would reach 1', (r) => (r.prior = { expectedMatchShare: 1, minRecords: 1 }), '$.prior: expectedMatchShare / minRecords must be < 1'],
    ['prior unknown property', (r) => (r.prior.population = 5), '$.prior.population: unknown property'],
    ['prior not an object', (r) => (r.prior = 0.5), '$.prior: must be an object'],
    ['sameSourceDuplicate', (r) => (r.decision.sameSourceDuplicate = 'ignore'), '$.decision.sameSourceDuplicate: must be "link" or "review"'],
    ['tf on unknown level', (r) => (r.fields[0].termFrequency.levels = ['exact', 'bogus']), '$.fields[0].levels: term-frequency level "bogus" is not a level of this field'],
    ['tf weight', (r) => (r.fields[0].termFrequency.weight = 2), '$.fields[0].termFrequency.weight: must be a number in (0, 1]'],
    ['unknown property', (r) => (r.sql = 'DROP TABLE x'), '$.sql: unknown property'],
    ['first level not positive', (r) => ((r.fields[2].levels[0].m = 0.00004), (r.fields[2].levels[3].m = 0.94996)), '$.fields[2].levels[0]: the first (strongest) level must have m > u'],
  ])('%s → one error with its path', (_label, mutate, expected) => {
    const errors = errorsOf(mutate);
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(expected)).toBe(true);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf((r) => {
      r.lambda = 0;
      r.fields[0].levels[1].predicate = 'nope';
      r.blocking.rules[0].keys = ['nope'];
    });
    expect(errors).toHaveLength(3);
  });
});
