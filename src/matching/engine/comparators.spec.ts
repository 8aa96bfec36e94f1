import { describe, expect, it } from 'vitest';
import { normalize } from './normalize.js';
import { loadRuleSet } from '../rules/load-rule-set.js';
import { compareRecords } from './scoring.js';
import { LEVEL_PREDICATES, VALUE_EXTRACTORS } from './comparators.js';
import { SSN_SYSTEM, type Demographics, type NormalizedRecord } from './types.js';

const rs = loadRuleSet(new URL('../../../matching-rules/default.json', import.meta.url).pathname);

const base: Demographics = {
  name: [{ family: 'Johnson', given: ['William'] }],
  birthDate: '1956-04-09',
  sex: 'male',
  address: [{ line: ['7 Wallaby Place'], city: 'Cleveland', state: 'SA', postalCode: '2119', country: 'AU' }],
  telecom: [{ system: 'phone', value: '608-555-0101' }, { system: 'email', value: 'wj@example.org' }],
  identifiers: [{ system: SSN_SYSTEM, value: '123-45-6788' }],
  mothersMaidenName: 'Baker',
};

function levelOf(field: string, a: Demographics, b: Demographics): string {
  const c = compareRecords(normalize(a), normalize(b), rs).find((x) => x.field === field);
  if (!c) throw new Error(`no field ${field}`);
  return c.level;
}
const withName = (family: string | undefined, given: string | undefined): Demographics => ({
  ...base,
  name: [{ family, given: given === undefined ? [] : [given] }],
});
const withOther = (patch: Partial<Demographics>): Demographics => ({ ...base, ...patch });

describe('given_name levels', () => {
  it.each([
    ['William', 'William', 'exact'],
    ['William', 'WILLIAM,', 'exact'],
    ['William', 'Bill', 'nickname'],
    ['Margaret', 'Peggy', 'nickname'],
    ['Jonathan', 'Jonatahn', 'jw_0_92'],
    ['Michaela', 'Mikaela', 'jw_0_88'],
    ['Catherine', 'Kathryn', 'phonetic'],
    ['W', 'William', 'initial'],
    ['William', 'Zed', 'else'],
    ['William', undefined, 'missing'],
  ])('%s vs %s → %s', (a, b, level) => expect(levelOf('given_name', withName('Johnson', a), withName('Johnson', b))).toBe(level));
  it('given and family swapped', () => {
    expect(levelOf('given_name', withName('Johnson', 'William'), withName('William', 'Johnson'))).toBe('swapped');
  });
  it('swapped with a hyphenated surname keyed as the given name (only its first part stays the given name)', () => {
    const a = withName('Graham-Jones', 'Amelia');
    const b = withName('Amelua', 'Graham-Jones');
    expect(levelOf('given_name', a, b)).toBe('swapped');
    expect(levelOf('family_name', a, b)).toBe('swapped');
  });
  it('a shared part is a swap only with a compound name, and only across the two fields', () => {
    expect(levelOf('given_name', withName('Grahamson', 'Amelia'), withName('Amelua', 'Graham'))).toBe('else');
    expect(levelOf('given_name', withName('Smith-Jones', 'Amelia'), withName('Jones', 'Mary'))).toBe('else');
  });
});

describe('swapped predicates', () => {
  const test = (name: 'swapped' | 'swappedParts') => LEVEL_PREDICATES[name].build({}, VALUE_EXTRACTORS.givenName);
  const rec = (family: string, given: string) => normalize(withName(family, given));
  const holds = (name: 'swapped' | 'swappedParts', x: NormalizedRecord, y: NormalizedRecord) => test(name)(x.given, y.given, x, y);
  it('swapped (rule sets before 1.10.0) needs the whole names equal; swappedParts also a compound part', () => {
    const a = rec('Graham-Jones', 'Amelia');
    const b = rec('Amelua', 'Graham-Jones');
    expect(holds('swapped', a, b)).toBe(false);
    expect(holds('swappedParts', a, b)).toBe(true);
    expect(holds('swappedParts', b, a)).toBe(true);
  });
  it('both hold for a plain swap and neither for different names', () => {
    for (const name of ['swapped', 'swappedParts'] as const) {
      expect(holds(name, rec('Johnson', 'William'), rec('William', 'Johnson'))).toBe(true);
      expect(holds(name, rec('Johnson', 'William'), rec('Baker', 'Smith'))).toBe(false);
    }
  });
});

describe('family_name levels', () => {
  it.each([
    ['Johnson', 'Johnson', 'exact'],
    ['Garcia-Lopez', 'Garcia Lopez', 'exact'],
    ['Garcia-Lopez', 'Garcia', 'compound_part'],
    ['Johnson', 'Jonhson', 'jw_0_92'],
    ['Johnson', 'Johansen', 'jw_0_88'],
    ['Schmidt', 'Smith', 'phonetic'],
    ['Johnson', 'Baker', 'else'],
    [undefined, 'Baker', 'missing'],
  ])('%s vs %s → %s', (a, b, level) => expect(levelOf('family_name', withName(a, 'William'), withName(b, 'William'))).toBe(level));
});

describe('birth_date levels', () => {
  it.each([
    ['1956-04-09', '1956-04-09', 'exact'],
    ['1956-04-09', '1956-09-04', 'day_month_transposed'],
    // one keystroke: one digit substituted or two adjacent digits transposed in YYYYMMDD
    ['1956-04-09', '1957-04-09', 'one_keystroke'],
    ['1956-04-09', '1965-04-09', 'one_keystroke'],
    ['1956-04-09', '1956-04-19', 'one_keystroke'],
    ['1956-04-09', '1956-05-09', 'one_keystroke'],
    ['1957-12-04', '1957-10-24', 'one_keystroke'], // transposition across month/day
    ['1939-12-13', '1939-11-23', 'one_keystroke'],
    ['1981-07-01', '1918-07-01', 'one_keystroke'],
    // one component off but more than one keystroke
    ['1959-04-09', '1960-04-09', 'one_component_off'], // adjacent year with a carry
    ['1956-04-09', '1956-11-09', 'one_component_off'],
    ['1956-04-09', '1956-04-21', 'one_component_off'],
    ['1956-04-09', '1971-04-09', 'else'],
    ['1956-04-09', '1957-05-09', 'else'],
    ['1956-04-09', '1956-02-30', 'missing'],
  ])('%s vs %s → %s', (a, b, level) => expect(levelOf('birth_date', withOther({ birthDate: a }), withOther({ birthDate: b }))).toBe(level));
});

describe('sex levels', () => {
  it.each([
    ['male', 'male', 'exact'],
    ['male', 'female', 'else'],
    ['male', 'unknown', 'missing'],
  ] as const)('%s vs %s → %s', (a, b, level) => expect(levelOf('sex', withOther({ sex: a }), withOther({ sex: b }))).toBe(level));
});

describe('address levels', () => {
  const addr = (line: string[]): Demographics => withOther({ address: [{ ...base.address![0], line }] });
  it.each([
    [['7 Wallaby Place'], ['7 wallaby pl.'], 'exact'],
    [['7 Wallaby Place', 'Apt 2'], ['7 Wallaby Pl'], 'exact'],
    [['7 Wallaby Place'], ['7 Walaby Place'], 'number_and_street'],
    [['7 Wallaby Place'], ['71 Wallaby Place'], 'jw_0_88'],
    [['7 Wallaby Place'], ['19 Stanley Street'], 'else'],
    [['7 Wallaby Place'], [], 'missing'],
  ])('%j vs %j → %s', (a, b, level) => expect(levelOf('address', addr(a), addr(b))).toBe(level));
});

describe('city, postal code and state levels', () => {
  const at = (city: string, postalCode: string, state: string): Demographics =>
    withOther({ address: [{ line: ['7 Wallaby Place'], city, postalCode, state, country: 'AU' }] });
  it.each([
    ['city', at('Cleveland', '2119', 'SA'), at('cleveland', '2119', 'SA'), 'exact'],
    ['city', at('Cleveland', '2119', 'SA'), at('Clevelend', '2119', 'SA'), 'jw_0_90'],
    ['city', at('Cleveland', '2119', 'SA'), at('Marsden', '2119', 'SA'), 'else'],
    ['postal_code', at('Cleveland', '2119', 'SA'), at('Cleveland', '2119', 'SA'), 'exact'],
    ['postal_code', at('Cleveland', '2119', 'SA'), at('Cleveland', '2191', 'SA'), 'one_edit'],
    ['postal_code', at('Cleveland', '2119', 'SA'), at('Cleveland', '3165', 'SA'), 'else'],
    ['state', at('Cleveland', '2119', 'SA'), at('Cleveland', '2119', 'sa'), 'exact'],
    ['state', at('Cleveland', '2119', 'SA'), at('Cleveland', '2119', 'NSW'), 'else'],
  ])('%s → %s', (field, a, b, level) => expect(levelOf(field, a, b)).toBe(level as string));
});

describe('phone and email levels', () => {
  const tel = (phone: string, email: string): Demographics =>
    withOther({ telecom: [{ system: 'phone', value: phone }, { system: 'email', value: email }] });
  it.each([
    ['phone', tel('608-555-0101', 'a@x.org'), tel('+1 608 555 0101', 'a@x.org'), 'exact'],
    ['phone', tel('608-555-0101', 'a@x.org'), tel('608-555-0110', 'a@x.org'), 'one_edit'],
    ['phone', tel('608-555-0101', 'a@x.org'), tel('212-555-9999', 'a@x.org'), 'else'],
    ['email', tel('608-555-0101', 'a@x.org'), tel('608-555-0101', 'A@X.org'), 'exact'],
    ['email', tel('608-555-0101', 'a@x.org'), tel('608-555-0101', 'b@x.org'), 'else'],
  ])('%s → %s', (field, a, b, level) => expect(levelOf(field, a, b)).toBe(level as string));
  it('phone missing on one side', () => expect(levelOf('phone', base, withOther({ telecom: [] }))).toBe('missing'));
});

describe('ssn levels', () => {
  const ssn = (value: string): Demographics => withOther({ identifiers: [{ system: SSN_SYSTEM, value }] });
  it.each([
    ['123-45-6788', '123456788', 'exact'],
    ['123-45-6788', '123-45-6787', 'consecutive'],
    ['234-56-7800', '234-56-7801', 'consecutive'],
    ['234-56-7899', '234-56-7900', 'consecutive'],
    ['123-45-6788', '123-45-6786', 'one_edit'],
    ['123-45-6788', '123-45-7688', 'one_edit'],
    ['123-45-6788', '123-45-6799', 'two_edits'],
    ['123-45-6788', '987-65-4320', 'else'],
    ['123-45-6788', '000-00-0000', 'missing'],
  ])('%s vs %s → %s', (a, b, level) => expect(levelOf('ssn', ssn(a), ssn(b))).toBe(level));
});

describe('mothers_maiden_name levels', () => {
  it.each([
    ['Baker', 'baker', 'exact'],
    ['Baker', 'Bakker', 'jw_0_92'],
    ['Philips', 'Fillips', 'phonetic'],
    ['Baker', 'Nguyen', 'else'],
  ])('%s vs %s → %s', (a, b, level) =>
    expect(levelOf('mothers_maiden_name', withOther({ mothersMaidenName: a }), withOther({ mothersMaidenName: b }))).toBe(level));
});
