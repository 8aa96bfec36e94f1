import { describe, expect, it } from 'vitest';
import { blockingKeys, maxBlockSize } from './blocking.js';
import { normalize } from './normalize.js';
import { loadRuleSet } from '../rules/load-rule-set.js';
import { SSN_SYSTEM, type Demographics } from './types.js';

const rs = loadRuleSet(new URL('../../../matching-rules/default.json', import.meta.url).pathname);

const original: Demographics = {
  name: [{ family: 'Neumann', given: ['Michaela'] }],
  birthDate: '1915-11-11',
  address: [{ line: ['8 Stanley Street'], city: 'Winston Hills', state: 'NSW', postalCode: '4223', country: 'AU' }],
  identifiers: [{ system: SSN_SYSTEM, value: '5304218' }],
};
const keys = (d: Demographics): string[] => blockingKeys(normalize(d), rs);
const shares = (a: Demographics, b: Demographics): boolean => {
  const ka = new Set(keys(a));
  return keys(b).some((k) => ka.has(k));
};
const variant = (patch: { family?: string; given?: string; birthDate?: string; postalCode?: string; ssn?: string }): Demographics => ({
  ...original,
  name: [{ family: patch.family ?? 'Neumann', given: [patch.given ?? 'Michaela'] }],
  birthDate: patch.birthDate ?? original.birthDate,
  address: [{ ...original.address![0], postalCode: patch.postalCode ?? '4223' }],
  identifiers: [{ system: SSN_SYSTEM, value: patch.ssn ?? '5304218' }],
});

describe('blockingKeys', () => {
  it('returns deduplicated <ruleId>:<value> keys from several rules', () => {
    const k = keys(original);
    expect(new Set(k).size).toBe(k.length);
    const rules = new Set(k.map((x) => x.split(':')[0]));
    expect(rules.size).toBeGreaterThanOrEqual(5);
    expect(k).toContain('ssn:5304218');
    expect(k).toContain('dob_gi:19151111|M');
  });

  // Every single-field typo (and one typo in each of two fields, no SSN help) still shares a key.
  it.each([
    ['surname first letter', { family: 'Beumann' }],
    ['surname transposition', { family: 'Nuemann' }],
    ['given first letter', { given: 'Nichaela' }],
    ['given transposition', { given: 'Micheala' }],
    ['birth year digit', { birthDate: '1951-11-11' }],
    ['birth day', { birthDate: '1915-11-12' }],
    ['postcode', { postalCode: '4232' }],
    ['surname + birth date, other ssn', { family: 'Beumann', birthDate: '1951-11-11', ssn: '9999998' }],
    ['given + birth date, other ssn', { given: 'Nichaela', birthDate: '1951-11-11', ssn: '9999998' }],
    ['given + surname, other ssn', { given: 'Nichaela', family: 'Beumann', ssn: '9999998' }],
  ])('one typo (%s) still shares a key with the original', (_label, patch) => {
    expect(shares(original, variant(patch))).toBe(true);
  });

  it('a nickname shares a key with the canonical name', () => {
    const a: Demographics = { name: [{ family: 'Smith', given: ['Robert'] }] };
    const b: Demographics = { name: [{ family: 'Smith', given: ['Bob'] }] };
    expect(shares(a, b)).toBe(true);
  });

  it('a compound surname shares a key with one of its parts', () => {
    const a: Demographics = { name: [{ family: 'Garcia-Lopez', given: ['Ana'] }] };
    const b: Demographics = { name: [{ family: 'Lopez', given: ['Ana'] }] };
    expect(shares(a, b)).toBe(true);
  });

  it('unrelated people share no key', () => {
    const other: Demographics = {
      name: [{ family: 'Green', given: ['Harley'] }],
      birthDate: '1980-04-19',
      address: [{ line: ['177 Pridham Street'], city: 'Marsden', postalCode: '3165', state: 'VIC', country: 'AU' }],
      identifiers: [{ system: SSN_SYSTEM, value: '6089216' }],
    };
    expect(shares(original, other)).toBe(false);
  });

  it('a record with only a name still gets name keys; missing fields yield no key', () => {
    const k = keys({ name: [{ family: 'Neumann', given: ['Michaela'] }] });
    expect(k.length).toBeGreaterThan(0);
    expect(k.every((x) => x.startsWith('giv_'))).toBe(true);
  });

  it('exposes the per-key block-size cap', () => expect(maxBlockSize(rs)).toBe(rs.blocking.maxBlockSize));
});
