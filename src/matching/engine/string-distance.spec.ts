import { describe, expect, it } from 'vitest';
import { doubleMetaphone, phoneticCodesAgree, soundex } from './phonetics.js';
import { damerauDistance, jaroWinkler } from './string-distance.js';

describe('damerauDistance', () => {
  it.each([
    ['123456789', '123456789', 0],
    ['123456789', '123456780', 1],
    ['123456789', '123456798', 1],
    ['123456789', '12345678', 1],
    ['123456789', '213456798', 2],
    ['CA', 'ABC', 3],
    ['', 'ABC', 3],
  ])('%s vs %s → %i', (a, b, d) => expect(damerauDistance(a, b)).toBe(d));
  it('stops early above max', () => expect(damerauDistance('1111111', '2222222', 2)).toBe(3));
});

describe('jaroWinkler', () => {
  it.each([
    ['MARTHA', 'MARTHA', 1],
    ['', 'MARTHA', 0],
  ])('%s vs %s → %d', (a, b, s) => expect(jaroWinkler(a, b)).toBe(s));
  it('MARTHA vs MARHTA ≈ 0.961', () => expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961, 3));
});

describe('phonetics', () => {
  it('cross-compares primary and alternate Double Metaphone codes', () => {
    // SMITH → [SM0, XMT]; SCHMIDT → [XMT, SMT]: only primary×alternate agree.
    expect(phoneticCodesAgree(doubleMetaphone('SMITH'), doubleMetaphone('SCHMIDT'))).toBe(true);
    expect(phoneticCodesAgree(doubleMetaphone('SMITH'), doubleMetaphone('JONES'))).toBe(false);
  });
  it('empty input has no codes', () => {
    expect(doubleMetaphone('')).toEqual([]);
    expect(soundex('')).toBe('');
  });
  it('soundex of ROBERT is R163', () => expect(soundex('ROBERT')).toBe('R163'));
});
