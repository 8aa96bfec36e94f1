import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCKING_KEY_FUNCTIONS, blockCap, blockCaps, blockingKeys } from './blocking.js';
import { compileRuleSet } from './rule-set.js';
import { csvRowToRecord } from '../../batch/batch-rows.js';
import { csvFields, SYNTHETIC_COLUMNS, syntheticPatients } from '../../../test/factories/synthetic-patients.js';
import { normalize } from './normalize.js';
import { loadRuleSet } from '../rules/load-rule-set.js';
import { SSN_SYSTEM, type Demographics } from './types.js';

const rulesFile = new URL('../../../matching-rules/default.json', import.meta.url).pathname;
const rs = loadRuleSet(rulesFile);

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

  it('name_pair_dm pairs every given-name code with every family-name code (compound parts too), unordered', () => {
    const n = normalize({ name: [{ family: 'Garcia-Lopez', given: ['Katherine'] }] });
    const g = BLOCKING_KEY_FUNCTIONS.givenPhonetic(n);
    const f = BLOCKING_KEY_FUNCTIONS.familyPhonetic(n);
    expect(f.length).toBeGreaterThan(2);
    const pairs = BLOCKING_KEY_FUNCTIONS.namePairPhoneticCodes(n);
    for (const x of g) for (const y of f) expect(pairs).toContain(x <= y ? `${x}/${y}` : `${y}/${x}`);
    expect(pairs).toContain(BLOCKING_KEY_FUNCTIONS.namePairPhonetic(n)[0]);
    // Names entered in each other's fields give the same keys.
    expect(BLOCKING_KEY_FUNCTIONS.namePairPhoneticCodes(normalize({ name: [{ family: 'Nguyen', given: ['Tran'] }] }))).toEqual(
      BLOCKING_KEY_FUNCTIONS.namePairPhoneticCodes(normalize({ name: [{ family: 'Tran', given: ['Nguyen'] }] })),
    );
  });

  it('givenNicknameCanonical: the canonical names of a name the nickname table knows, none for others', () => {
    const c = (given: string) => BLOCKING_KEY_FUNCTIONS.givenNicknameCanonical(normalize({ name: [{ family: 'Lee', given: [given] }] }));
    expect(c('Bill')).toEqual(expect.arrayContaining(['BILL', 'WILLIAM']));
    expect(c('William')).toContain('WILLIAM');
    expect(c('Bill').filter((x) => c('William').includes(x))).not.toEqual([]);
    expect(c('Xanthippe')).toEqual([]);
    expect(BLOCKING_KEY_FUNCTIONS.givenCanonical(normalize({ name: [{ family: 'Lee', given: ['Xanthippe'] }] }))).toEqual(['XANTHIPPE']);
  });

  // 1.8.0 dropped 1.7.0's giv_fam_dm (givenPhonetic + familyPhonetic) and the canonical-name
  // keys of names the nickname table does not know: every pair those keys joined still shares
  // a key, so no candidate is lost (block caps aside).
  it('every pair sharing a 1.7.0 name key shares a key under 1.8.0 (3,000 synthetic patients)', () => {
    const raw = JSON.parse(readFileSync(rulesFile, 'utf8')) as { blocking: object };
    const old = compileRuleSet({
      ...raw,
      blocking: {
        ...raw.blocking,
        rules: [
          { id: 'giv_fam_dm', keys: ['givenPhonetic', 'familyPhonetic'] },
          { id: 'giv_canon_fam_dm', keys: ['givenCanonical', 'familyPhonetic'] },
          { id: 'name_pair_dm', keys: ['namePairPhonetic'] },
        ],
      },
    });
    if (!old.ok) throw new Error(old.errors.join('; '));
    const records = [...syntheticPatients(3000)].map((row) => normalize(csvRowToRecord(SYNTHETIC_COLUMNS, csvFields(row)).demographics as Demographics));
    const byOldKey = new Map<string, number[]>();
    records.forEach((r, i) => {
      for (const k of blockingKeys(r, old.ruleSet)) byOldKey.set(k, [...(byOldKey.get(k) ?? []), i]);
    });
    const newKeys = records.map((r) => new Set(blockingKeys(r, rs)));
    let pairs = 0;
    for (const ids of byOldKey.values()) {
      for (let x = 0; x < ids.length; x++) {
        for (let y = x + 1; y < ids.length; y++) {
          pairs++;
          expect([...newKeys[ids[x]]].some((k) => newKeys[ids[y]].has(k))).toBe(true);
        }
      }
    }
    expect(pairs).toBeGreaterThan(100);
  });

  it("caps each key's block at its rule's maxBlockSize, else the rule set's", () => {
    const raw = JSON.parse(readFileSync(rulesFile, 'utf8'));
    raw.blocking.maxBlockSize = 500;
    for (const r of raw.blocking.rules) delete r.maxBlockSize;
    raw.blocking.rules.find((r: { id: string }) => r.id === 'name_pair_dm').maxBlockSize = 7;
    const res = compileRuleSet(raw);
    if (!res.ok) throw new Error(res.errors.join('; '));
    const ks = blockingKeys(normalize(original), res.ruleSet);
    const pair = ks.find((k) => k.startsWith('name_pair_dm:'))!;
    const ssn = ks.find((k) => k.startsWith('ssn:'))!;
    expect(blockCap(res.ruleSet, pair)).toBe(7);
    expect(blockCap(res.ruleSet, ssn)).toBe(500);
    expect(blockCaps(res.ruleSet, [ssn, pair])).toEqual([500, 7]);
    // The shipped rule set: every key's cap is its rule's, at most the rule set's.
    for (const k of keys(original)) {
      const rule = rs.blocking.rules.find((r) => k.startsWith(`${r.id}:`))!;
      expect(blockCap(rs, k)).toBe(rule.maxBlockSize);
      expect(blockCap(rs, k)).toBeLessThanOrEqual(rs.blocking.maxBlockSize);
    }
  });
});
