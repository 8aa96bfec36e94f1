import { describe, expect, it } from 'vitest';
import { canonicalGivenNames, nicknameTableSize } from './nicknames.js';
import {
  normalize,
  normalizeAddressLine,
  normalizeEmail,
  normalizeFamily,
  normalizeGiven,
  normalizePhone,
  normalizePostalCode,
  normalizeSsn,
  parseBirthDate,
  streetNameWord,
} from './normalize.js';
import { foldText } from './text.js';
import { SSN_SYSTEM } from './types.js';

describe('foldText', () => {
  it.each([
    ['José', 'JOSE'],
    ['Müller', 'MULLER'],
    ['Łukasz', 'LUKASZ'],
    ['Strauß', 'STRAUSS'],
    ["O'Brien", 'OBRIEN'],
    ['  van  der   Berg ', 'VAN DER BERG'],
    ['Nguyễn', 'NGUYEN'],
  ])('%s → %s', (input, out) => expect(foldText(input)).toBe(out));
});

describe('normalizeGiven', () => {
  it.each([
    [['Dr.', 'John', 'Paul'], 'JOHN', ['PAUL']],
    [['Mary Ann'], 'MARY', ['ANN']],
    [['Renée'], 'RENEE', []],
    [['Mr'], 'MR', []],
    [[], null, []],
  ])('%j → %s %j', (input, given, middle) => {
    const r = normalizeGiven(input);
    expect(r.given?.text ?? null).toBe(given);
    expect(r.middle).toEqual(middle);
  });

  it('precomputes phonetic codes and canonical names', () => {
    const g = normalizeGiven(['Bill']).given!;
    expect(g.canon).toContain('WILLIAM');
    expect(g.dm.length).toBeGreaterThan(0);
    expect(g.sx).toBe('B400');
  });
});

describe('normalizeFamily', () => {
  it.each([
    ['Smith Jr.', 'SMITH', ['SMITH']],
    ['Smith III', 'SMITH', ['SMITH']],
    ['Garcia-Lopez', 'GARCIALOPEZ', ['GARCIA', 'LOPEZ']],
    ['van der Berg', 'VANDERBERG', ['BERG']],
    ["O'Connor", 'OCONNOR', ['OCONNOR']],
    ['Núñez', 'NUNEZ', ['NUNEZ']],
  ])('%s → %s %j', (input, text, parts) => {
    const f = normalizeFamily(input)!;
    expect(f.text).toBe(text);
    expect(f.parts).toEqual(parts);
  });
  it('empty → null', () => expect(normalizeFamily('  - ')).toBeNull());
});

describe('nicknames', () => {
  it.each([
    ['BILL', 'WILLIAM'],
    ['WILL', 'WILLIAM'],
    ['BILLY', 'WILLIAM'],
    ['BOB', 'ROBERT'],
    ['ROB', 'ROBERT'],
    ['PEGGY', 'MARGARET'],
    ['MAGGIE', 'MARGARET'],
    ['LIZ', 'ELIZABETH'],
    ['BETH', 'ELIZABETH'],
  ])('%s → %s', (nick, canonical) => expect(canonicalGivenNames(nick)).toContain(canonical));
  it('a canonical name maps to itself', () => expect(canonicalGivenNames('ROBERT')).toEqual(['ROBERT']));
  it('an unknown name maps to itself', () => expect(canonicalGivenNames('XAVIERA')).toEqual(['XAVIERA']));
  it('holds a few hundred names', () => expect(nicknameTableSize()).toBeGreaterThan(300));
});

describe('parseBirthDate', () => {
  it.each([
    ['1984-03-07', { year: 1984, month: 3, day: 7 }],
    ['19840307', { year: 1984, month: 3, day: 7 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
    ['1996-02-29', { year: 1996, month: 2, day: 29 }],
    ['1900-02-29', null],
    ['1999-02-29', null],
    ['1984-13-01', null],
    ['1984-04-31', null],
    ['1984-00-10', null],
    ['1984', null],
    ['1984-03', null],
    ['03/07/1984', null],
    ['', null],
    [undefined, null],
  ])('%s → %j', (input, out) => expect(parseBirthDate(input)).toEqual(out));
});

describe('normalizePhone', () => {
  it.each([
    ['(608) 555-0101', '6085550101'],
    ['+1 608 555 0101', '6085550101'],
    ['1-608-555-0101', '6085550101'],
    ['555-0101', '5550101'],
    ['+44 20 7946 0958', '442079460958'],
    ['0000000000', null],
    ['123', null],
  ])('%s → %s', (input, out) => expect(normalizePhone(input)).toBe(out));
});

describe('normalizeEmail', () => {
  it.each([
    [' Mai@Example.ORG ', 'mai@example.org'],
    ['not-an-email', null],
    ['a@b@c', null],
  ])('%s → %s', (input, out) => expect(normalizeEmail(input)).toBe(out));
});

describe('normalizeAddressLine', () => {
  it.each([
    [['12 Main Street'], '12 MAIN ST', '12', 'MAIN ST', null],
    [['12 Main St.', 'Apt 4'], '12 MAIN ST UNIT 4', '12', 'MAIN ST', '4'],
    [['12 Main St #4B'], '12 MAIN ST UNIT 4B', '12', 'MAIN ST', '4B'],
    [['400 North Lake Avenue'], '400 N LAKE AVE', '400', 'N LAKE AVE', null],
    [['7 Wallaby Place'], '7 WALLABY PL', '7', 'WALLABY PL', null],
    [['Rural Route Road'], 'RURAL ROUTE RD', null, 'RURAL ROUTE RD', null],
    [['12 Oak Boulevard', 'Suite 200'], '12 OAK BLVD UNIT 200', '12', 'OAK BLVD', '200'],
  ])('%j → %s', (lines, line, number, street, unit) => {
    expect(normalizeAddressLine(lines)).toEqual({ line, number, street, unit });
  });
  it('empty → null', () => expect(normalizeAddressLine([])).toBeNull());
});

describe('normalizePostalCode', () => {
  it.each([
    ['53703-1234', 'US', '53703'],
    ['537031234', null, '53703'],
    ['53703', 'US', '53703'],
    ['4223', 'AU', '4223'],
    ['SW1A 1AA', 'GB', 'SW1A1AA'],
    ['', 'US', null],
  ])('%s (%s) → %s', (input, country, out) => expect(normalizePostalCode(input, country)).toBe(out));
});

describe('normalizeSsn', () => {
  it.each([
    ['123-45-6788', '123456788'],
    ['5304218', '5304218'],
    ['000-00-0000', null],
    ['123-45-6789', null],
    ['999-99-9999', null],
    ['078-05-1120', null],
    ['111111111', null],
    ['000-12-3456', null],
    ['123-00-4567', null],
    ['123-45-0000', null],
    ['12345', null],
    ['1234567890', null],
  ])('%s → %s', (input, out) => expect(normalizeSsn(input)).toBe(out));
});

describe('normalize', () => {
  const rec = normalize({
    name: [{ family: 'Nguyen-Tran', given: ['Thi', 'Mai'], prefix: ['Ms'] }],
    birthDate: '1984-03-07',
    sex: 'female',
    address: [{ line: ['12 Main Street', 'Apt 4'], city: 'Madison', state: 'WI', postalCode: '53703-0001', country: 'US' }],
    telecom: [
      { system: 'phone', value: '+1 (608) 555-0101' },
      { system: 'email', value: 'Mai@Example.org' },
      { system: 'fax', value: '608-555-0199' },
    ],
    identifiers: [
      { system: SSN_SYSTEM, value: '123-45-6788' },
      { system: 'urn:oid:1.2.3', value: ' MRN-1 ' },
    ],
    mothersMaidenName: 'Tran',
  });

  it('produces the full normalized record', () => {
    expect(rec.given?.text).toBe('THI');
    expect(rec.middle).toEqual(['MAI']);
    expect(rec.family?.text).toBe('NGUYENTRAN');
    expect(rec.family?.parts).toEqual(['NGUYEN', 'TRAN']);
    expect(rec.birthDate).toEqual({ year: 1984, month: 3, day: 7 });
    expect(rec.sex).toBe('F');
    expect(rec.address?.line).toBe('12 MAIN ST UNIT 4');
    expect(rec.city).toBe('MADISON');
    expect(rec.state).toBe('WI');
    expect(rec.postalCode).toBe('53703');
    expect(rec.phones).toEqual(['6085550101']);
    expect(rec.emails).toEqual(['mai@example.org']);
    expect(rec.ssn).toBe('123456788');
    expect(rec.identifiers).toEqual([{ system: 'urn:oid:1.2.3', value: 'MRN-1' }]);
    expect(rec.mothersMaidenName?.text).toBe('TRAN');
  });

  it('is plain JSON data (survives a jsonb round trip)', () => {
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
  });

  it('never invents values: invalid date, unknown sex and placeholder SSN are absent', () => {
    const r = normalize({ name: [{ given: ['A'] }], birthDate: '1984-02-30', sex: 'unknown', identifiers: [{ system: SSN_SYSTEM, value: '000000000' }] });
    expect(r.birthDate).toBeNull();
    expect(r.sex).toBeNull();
    expect(r.ssn).toBeNull();
    expect(r.family).toBeNull();
  });

  it('prefers the official name', () => {
    const r = normalize({ name: [{ family: 'Nick', use: 'nickname' }, { family: 'Real', use: 'official' }] });
    expect(r.family?.text).toBe('REAL');
  });
});

describe('streetNameWord', () => {
  it.each([
    ['MAIN ST', 'MAIN'],
    ['N MAIN ST', 'MAIN'],
    ['AINSWORTHSTREET', 'AINSWORTHSTREET'],
    ['ST KILDA RD', 'KILDA'],
    ['ST', 'ST'],
  ])('%s → %s', (street, word) => expect(streetNameWord(street)).toBe(word));
  it('no street → null', () => expect(streetNameWord(null)).toBeNull());
});
