import { describe, expect, it } from 'vitest';
import { parseQuery } from './query.js';

describe('quick search parsing', () => {
  it('reads a UUID as a person or record id', () => {
    expect(parseQuery(' 3F2504E0-4F89-41D3-9A0C-0305E82C3301 ')).toEqual({ kind: 'id', id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' });
  });
  it('reads system|value as an identifier', () => {
    expect(parseQuery('urn:oid:1.2.3|MRN-7')).toEqual({ kind: 'identifier', identifier: 'urn:oid:1.2.3|MRN-7' });
  });
  it('reads "Family, Given Middle date" and "Given Family date"', () => {
    expect(parseQuery('Whitaker, Jonathon Ray 1984-03-07')).toEqual({
      kind: 'demographics',
      demographics: { name: [{ family: 'Whitaker', given: ['Jonathon', 'Ray'] }], birthDate: '1984-03-07' },
    });
    expect(parseQuery('Jonathon Whitaker 3/7/1984')).toEqual({
      kind: 'demographics',
      demographics: { name: [{ family: 'Whitaker', given: ['Jonathon'] }], birthDate: '1984-03-07' },
    });
    expect(parseQuery('Whitaker')).toEqual({ kind: 'demographics', demographics: { name: [{ family: 'Whitaker', given: [] }] } });
  });
  it('reads nothing as empty', () => {
    expect(parseQuery('   ')).toEqual({ kind: 'empty' });
  });
});
