import { describe, expect, it } from 'vitest';
import { NUL_MESSAGE, nulCharacterErrors, printableKey } from './nul-characters.js';

describe('nulCharacterErrors', () => {
  it('names every string holding a NUL the way the client wrote it, in order', () => {
    const body = { name: [{ family: 'Do\u0000e', given: ['Jan', 'A\u0000'] }], birthDate: '1980-01-01', telecom: [{ value: '\u0000' }] };
    expect(nulCharacterErrors(body)).toEqual([
      { field: 'name[0].family', messages: [NUL_MESSAGE] },
      { field: 'name[0].given[1]', messages: [NUL_MESSAGE] },
      { field: 'telecom[0].value', messages: [NUL_MESSAGE] },
    ]);
  });

  it('finds nothing in clean input, numbers, booleans and nulls', () => {
    expect(nulCharacterErrors({ a: 'x', b: [1, true, null, { c: 'ü😀\u0001' }] })).toEqual([]);
    expect(nulCharacterErrors(undefined)).toEqual([]);
  });

  it('names a bare value by its prefix, and keys holding a NUL written out', () => {
    expect(nulCharacterErrors('a\u0000', 'localId')).toEqual([{ field: 'localId', messages: [NUL_MESSAGE] }]);
    expect(nulCharacterErrors({ ['fa\u0000mily']: 'x' }, 'demographics')).toEqual([{ field: 'demographics.fa\\u0000mily', messages: [NUL_MESSAGE] }]);
    expect(printableKey('a\u0000b')).toBe('a\\u0000b');
  });

  it('walks a deeply nested body without recursion and stops at the limit', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nulCharacterErrors(deep)).toHaveLength(1);
    expect(nulCharacterErrors(Array.from({ length: 500 }, () => '\u0000'), '', 50)).toHaveLength(50);
  });
});
