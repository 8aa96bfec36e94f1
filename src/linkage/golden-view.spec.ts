import { describe, expect, it } from 'vitest';
import { buildGoldenView } from './golden-view.js';

describe('buildGoldenView', () => {
  const older = { updatedAt: new Date('2024-01-01'), demographics: { name: [{ family: 'Smith', given: ['Ann'] }], birthDate: '1980-01-02', sex: 'female' as const, telecom: [{ system: 'phone', value: '608-555-0101' }], mothersMaidenName: 'Jones' } };
  const newer = { updatedAt: new Date('2025-01-01'), demographics: { name: [{ family: 'Brown', given: ['Ann'] }], sex: 'unknown' as const, telecom: [{ system: 'phone', value: '(608) 555-0101' }, { system: 'email', value: 'ann@example.org' }] } };

  it('takes the newest non-empty value of each field and unions contact points', () => {
    const g = buildGoldenView([older, newer]);
    expect(g.name).toEqual({ family: 'Brown', given: ['Ann'] });
    expect(g.birthDate).toBe('1980-01-02');
    expect(g.sex).toBe('female'); // a known sex wins over "unknown"
    expect(g.mothersMaidenName).toBe('Jones');
    expect(g.telecom).toEqual([{ system: 'phone', value: '(608) 555-0101' }, { system: 'email', value: 'ann@example.org' }]);
    expect(g.sourceCount).toBe(2);
  });

  it('is empty but for the count when there are no sources', () => {
    expect(buildGoldenView([])).toEqual({ telecom: [], identifiers: [], sourceCount: 0 });
  });
});
