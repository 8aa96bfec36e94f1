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

  it('gives the textbook distance for strings of any length, one call after another (its rows are reused)', () => {
    // Reference: the full optimal-string-alignment matrix, fresh for every pair.
    const reference = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          const cost = a[i - 1] === b[j - 1] ? 0 : 1;
          d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
      return d[a.length][b.length];
    };
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = () => Array.from({ length: rand(90) }, () => 'ABCD'[rand(4)]).join('');
    for (let k = 0; k < 300; k++) {
      const a = word();
      const b = rand(3) === 0 ? a.slice(0, rand(a.length + 1)) + 'D' + a.slice(rand(a.length + 1)) : word();
      expect(damerauDistance(a, b), `${a} / ${b}`).toBe(reference(a, b));
    }
  });
});

describe('jaroWinkler', () => {
  it.each([
    ['MARTHA', 'MARTHA', 1],
    ['', 'MARTHA', 0],
  ])('%s vs %s → %d', (a, b, s) => expect(jaroWinkler(a, b)).toBe(s));
  it('MARTHA vs MARHTA ≈ 0.961', () => expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961, 3));
});

describe('phonetics', () => {
  it('answers a repeated name from its memo with the same frozen codes', () => {
    const first = doubleMetaphone('THOMPSON');
    expect(doubleMetaphone('THOMPSON')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(doubleMetaphone('')).toEqual([]);
    expect(soundex('THOMPSON')).toBe(soundex('THOMPSON'));
  });

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
