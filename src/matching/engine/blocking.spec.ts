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

  it('given and family names entered in each other\'s fields share a key (name_pair_dm), other fields differing', () => {
    const a: Demographics = { name: [{ family: 'Stephenson', given: ['Danny'] }], birthDate: '1983-10-19' };
    const b: Demographics = { name: [{ family: 'Danny', given: ['Stephenson'] }], birthDate: '1938-10-19' };
    expect(keys(a).filter((k) => k.startsWith('name_pair_dm:'))).toEqual(keys(b).filter((k) => k.startsWith('name_pair_dm:')));
    expect(shares(a, b)).toBe(true);
  });

  it.each([
    ['a typo in the street name', '3 Wyselaskie Circuit', '3 Wyselaskie Circiut'],
    ['a glued street type', '264 Ainsworth Street', '264 Ainsworthstreet'],
    ['a typo in the street type', '95 Leahy Place', '95 Leahy Lplace'],
    ['a leading direction', '12 North Main Street', '12 Main St'],
  ])('same house number and street (%s) share a key when names, birth date and postcode all differ', (_l, la, lb) => {
    const a: Demographics = { name: [{ family: 'Flatman', given: ['Casey'] }], birthDate: '1993-10-02', address: [{ line: [la], postalCode: '7250' }] };
    const b: Demographics = { name: [{ family: 'Host', given: ['Oliver'] }], birthDate: '1908-04-25', address: [{ line: [lb], postalCode: '7205' }] };
    expect(shares(a, b)).toBe(true);
  });

  // The surname + birth year rules (1.7.0): a different given name (no phonetic, nickname or
  // initial in common) and a birth date one component off or transposed, nothing else shared.
  it.each([
    ['the day off', '1972-06-15', '1972-06-18', 'fam_dm_ym'],
    ['the month off', '1972-06-15', '1972-09-15', 'fam_dm_yd'],
    ['day and month transposed', '1972-06-11', '1972-11-06', 'fam_dm_y_dm'],
  ])('a surname with the birth year and %s shares a key (%s / %s)', (_l, da, db, rule) => {
    const a: Demographics = { name: [{ family: 'Thrussell', given: ['Joel'] }], birthDate: da };
    const b: Demographics = { name: [{ family: 'Thrussell', given: ['Emalcene'] }], birthDate: db };
    const shared = keys(a).filter((k) => keys(b).includes(k));
    expect([...new Set(shared.map((k) => k.split(':')[0]))]).toEqual([rule]);
  });

  it('a surname and birth year alone (day and month both off) share no key', () => {
    const a: Demographics = { name: [{ family: 'Thrussell', given: ['Joel'] }], birthDate: '1972-06-15' };
    const b: Demographics = { name: [{ family: 'Thrussell', given: ['Emalcene'] }], birthDate: '1972-09-18' };
    expect(shares(a, b)).toBe(false);
  });

  it('the unordered day/month key is the same for a date and its transposition, and absent where none is possible', () => {
    const k = (birthDate: string) => keys({ name: [{ family: 'Lee', given: ['Ann'] }], birthDate }).filter((x) => x.startsWith('fam_dm_y_dm:'));
    expect(k('1990-03-12')).toEqual(k('1990-12-03'));
    expect(k('1990-03-12')[0]).toMatch(/\|03\/12$/);
    expect(k('1990-03-12')).not.toEqual(k('1991-03-12'));
    // Day 13 or more cannot be a month; a day equal to its month transposes into itself.
    expect(k('1990-03-13')).toEqual([]);
    expect(k('1990-04-04')).toEqual([]);
  });

  it('another house number on the same street shares no address key', () => {
    const k = (line: string) => keys({ name: [{ family: 'A', given: ['B'] }], address: [{ line: [line] }] }).filter((x) => x.startsWith('addr_num_street:'));
    expect(k('3 Wyselaskie Circuit').length).toBeGreaterThan(0);
    expect(k('3 Wyselaskie Circuit').some((x) => k('5 Wyselaskie Circuit').includes(x))).toBe(false);
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
    expect(k.every((x) => x.startsWith('giv_') || x.startsWith('name_pair_dm:'))).toBe(true);
  });

  it('exposes the per-key block-size cap', () => expect(maxBlockSize(rs)).toBe(rs.blocking.maxBlockSize));
});
