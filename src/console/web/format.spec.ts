import { describe, expect, it } from 'vitest';
import { addressText, bits, explainScore, fieldLabel, levelLabel, nameText, percent, waterfall } from './format.js';

const task = {
  grade: 'possible',
  probability: 0.62,
  score: 0.7,
  priorWeight: -3.3,
  contributions: [
    { field: 'given_name', level: 'else', a: 'JONATHON', b: 'MARCUS', weight: -4.2 },
    { field: 'family_name', level: 'exact', a: 'WHITAKER', b: 'WHITAKER', weight: 9.1 },
    { field: 'birth_date', level: 'exact', a: '1984-03-07', b: '1984-03-07', weight: 8.0 },
    { field: 'phone', level: 'missing', a: null, b: null, weight: 0 },
  ],
};

describe('console formatting', () => {
  it.each([
    [1.25, '+1.3'],
    [-4.2, '−4.2'],
    [0.01, '0.0'],
    [null, '–'],
  ])('writes %s bits as %s', (w, out) => expect(bits(w)).toBe(out));

  it.each([
    [0.62, '62%'],
    [0.05, '5.0%'],
    [0.99995, '>99.9%'],
    [0, '0.0%'],
  ])('writes probability %s as %s', (p, out) => expect(percent(p)).toBe(out));

  it('labels fields and agreement levels in plain words', () => {
    expect(fieldLabel('mothers_maiden_name')).toBe("Mother's maiden name");
    expect(fieldLabel('new_field')).toBe('New field');
    expect(levelLabel('jw_0_92')).toBe('similar spelling (Jaro-Winkler ≥ 0.92)');
    expect(levelLabel('else')).toBe('different');
  });

  it('explains a score: evidence for and against, largest first, and what was not compared', () => {
    const e = explainScore(task);
    expect(e.supporting.map((c) => c.field)).toEqual(['family_name', 'birth_date']);
    expect(e.opposing.map((c) => c.field)).toEqual(['given_name']);
    expect(e.missing.map((c) => c.field)).toEqual(['phone']);
    expect(e.summary).toBe(
      'Possible match, probability 62% (total +0.7 bits, prior −3.3). For: family name same (+9.1), birth date same (+8.0). Against: given name different (−4.2). Not compared: phone.',
    );
  });

  it('builds waterfall bars from the prior through every field to the total', () => {
    const bars = waterfall(task);
    expect(bars.map((b) => b.kind)).toEqual(['prior', 'positive', 'positive', 'negative', 'zero', 'total']);
    expect(bars[0]).toMatchObject({ from: 0, to: -3.3 });
    expect(bars[1]).toMatchObject({ label: 'Family name', from: -3.3 });
    expect(bars[1].to).toBeCloseTo(5.8);
    expect(bars[3].to).toBeCloseTo(9.6);
    expect(bars.at(-1)).toMatchObject({ label: 'Total', from: 0, to: 0.7 });
  });

  it('writes names and addresses as one line', () => {
    expect(nameText({ family: 'Nguyen', given: ['Thi', 'Mai'], prefix: ['Dr'] })).toBe('Dr Thi Mai Nguyen');
    expect(addressText({ line: ['12 Main St', 'Apt 4'], city: 'Madison', state: 'WI', postalCode: '53703', country: 'US' })).toBe('12 Main St, Apt 4, Madison, WI 53703');
  });
});
