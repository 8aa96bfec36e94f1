import pg from 'pg';
import { blockingKeyRows, keyElements, keyList, recordFields, splitList, uuidArray } from './chunk-linkage.repository.js';
import type { NormalizedRecord } from '../matching/engine/index.js';

// The literals built before the lock must be what node-postgres would have sent for the arrays.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils;
// PostgreSQL's text[] input, as node-postgres parses an array result.
const TEXT_ARRAY_OID = 1009;
const parse = (literal: string): string[] => (pg.types.getTypeParser as (oid: number, format: 'text') => (v: string) => string[])(TEXT_ARRAY_OID, 'text')(literal);

describe('chunk writes serialized before the lock', () => {
  const awkward = ['fn:O"BRIEN', 'ln:back\\slash', 'dob:1990-01-02', 'fn:O"BRIEN', 'x:{braces},comma', 'u:ünïcödé', 'sp: two  spaces '];

  it('keyList joins keys with newlines, any other character as it is, and refuses a key holding one', () => {
    expect(keyList(awkward).split('\n')).toEqual(awkward);
    expect(() => keyList(['k:1', 'k:2\n3'])).toThrow(/newline/);
  });

  it('keyElements quotes each distinct key as node-postgres quotes array elements', () => {
    const { elements, count } = keyElements(awkward);
    expect(count).toBe(6);
    expect(`{${elements}}`).toBe(prepareValue([...new Set(awkward)]));
  });

  it('blockingKeyRows gives the text[] and uuid[] literals of the keys in record order', () => {
    const a = { id: '0190a1b2-0000-7000-8000-000000000001', keys: ['k:1', 'k:"2"', 'k:1'] };
    const b = { id: '0190a1b2-0000-7000-8000-000000000002', keys: [] as string[] };
    const c = { id: '0190a1b2-0000-7000-8000-000000000003', keys: ['k:\\3'] };
    const rows = blockingKeyRows([a, b, c].map((r) => ({ id: r.id, keys: keyElements(r.keys) })));
    const flat = [a, b, c].flatMap((r) => [...new Set(r.keys)].map((key) => ({ key, recordId: r.id })));
    expect(rows.count).toBe(3);
    expect(rows.keys).toBe(prepareValue(flat.map((k) => k.key)));
    // Unquoted uuids (node-postgres quotes them; PostgreSQL reads both alike).
    expect(parse(rows.recordIds)).toEqual(flat.map((k) => k.recordId));
    expect(parse(rows.keys)).toEqual(flat.map((k) => k.key));
  });

  it('uuidArray reads back as the ids', () => {
    const ids = ['0190a1b2-0000-7000-8000-000000000001', '0190a1b2-0000-7000-8000-000000000002'];
    expect(parse(uuidArray(ids))).toEqual(ids);
  });

  it('splitList splits what string_agg joined; an empty or null list is no element', () => {
    expect(splitList('a,b,c', ',')).toEqual(['a', 'b', 'c']);
    expect(splitList('k:1\nk,2', '\n')).toEqual(['k:1', 'k,2']);
    expect(splitList('', ',')).toEqual([]);
    expect(splitList(null, ',')).toEqual([]);
  });

  it('recordFields are the members the records document had from JSON.stringify', () => {
    const demographics = { name: [{ family: 'O"Brien', given: ['Ann\\e'] }], birthDate: '1990-01-02', telecom: [{ system: 'phone', value: '555\n0100' }] };
    const normalized = { familyName: 'obrien', givenNames: ['anne'], birthDate: '1990-01-02' } as unknown as NormalizedRecord;
    const whole = JSON.stringify({ id: 'x', local_id: 'L\u00e9-1"', d: demographics, n: normalized, h: 'abc', ld: { a: 1 } });
    expect(`{"id":"x",${recordFields('L\u00e9-1"', demographics, normalized, 'abc')},"ld":{"a":1}}`).toBe(whole);
  });
});
