import { describe, expect, it } from 'vitest';
import { NUL_MESSAGE, printableKey, SURROGATE_MESSAGE, unstorableCharacterErrors } from './unstorable-characters.js';

describe('unstorableCharacterErrors', () => {
  it('names every string holding a NUL the way the client wrote it, in order', () => {
    const body = { name: [{ family: 'Do\u0000e', given: ['Jan', 'A\u0000'] }], birthDate: '1980-01-01', telecom: [{ value: '\u0000' }] };
    expect(unstorableCharacterErrors(body)).toEqual([
      { field: 'name[0].family', messages: [NUL_MESSAGE] },
      { field: 'name[0].given[1]', messages: [NUL_MESSAGE] },
      { field: 'telecom[0].value', messages: [NUL_MESSAGE] },
    ]);
  });

  it('finds nothing in clean input, numbers, booleans and nulls', () => {
    expect(unstorableCharacterErrors({ a: 'x', b: [1, true, null, { c: 'ü😀\u0001' }] })).toEqual([]);
    expect(unstorableCharacterErrors(undefined)).toEqual([]);
  });

  it('names a bare value by its prefix, and keys holding a NUL written out', () => {
    expect(unstorableCharacterErrors('a\u0000', 'localId')).toEqual([{ field: 'localId', messages: [NUL_MESSAGE] }]);
    expect(unstorableCharacterErrors({ ['fa\u0000mily']: 'x' }, 'demographics')).toEqual([{ field: 'demographics.fa\\u0000mily', messages: [NUL_MESSAGE] }]);
    expect(printableKey('a\u0000b')).toBe('a\\u0000b');
  });

  it('names strings and keys holding an unpaired surrogate (which jsonb refuses), never a paired one', () => {
    const body = { name: [{ family: 'X\uD800Y', given: ['\uDC00', 'ok 😀'] }], ['k\uDBFF']: 1, city: '\uD83D\uDE00\uD83D' };
    // A key is named as its object is reached, before the values inside the object's siblings.
    expect(unstorableCharacterErrors(body)).toEqual([
      { field: 'k\\uDBFF', messages: [SURROGATE_MESSAGE] },
      { field: 'name[0].family', messages: [SURROGATE_MESSAGE] },
      { field: 'name[0].given[0]', messages: [SURROGATE_MESSAGE] },
      { field: 'city', messages: [SURROGATE_MESSAGE] },
    ]);
    expect(unstorableCharacterErrors({ a: '😀', b: '\uD83D\uDE00x', c: '中文' })).toEqual([]);
    expect(printableKey('a\uDE00b\u0000')).toBe('a\\uDE00b\\u0000');
    expect(unstorableCharacterErrors('a\u0000\uD800', 'x')).toEqual([{ field: 'x', messages: [NUL_MESSAGE] }]);
  });

  it('walks a deeply nested body without recursion and stops at the limit', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableCharacterErrors(deep)).toHaveLength(1);
    expect(unstorableCharacterErrors(Array.from({ length: 500 }, () => '\u0000'), '', 50)).toHaveLength(50);
  });
});
