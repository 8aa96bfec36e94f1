import type { Address, ContactPoint, Demographics, HumanName, Identifier } from '../matching/engine/index.js';

export interface GoldenSource {
  demographics: Demographics;
  updatedAt: Date;
}

export interface GoldenView {
  name?: HumanName;
  birthDate?: string;
  sex?: Demographics['sex'];
  address?: Address;
  telecom: ContactPoint[];
  identifiers: Identifier[];
  mothersMaidenName?: string;
  sourceCount: number;
}

/**
 * Survivorship: for each single-valued field, the value from the most recently updated
 * source record that has one (a patient's latest registration is the most likely to be
 * current: people move, marry, change phones). Telecom and identifiers are the union of
 * all sources, newest first, without duplicates. No source is ranked above another yet:
 * per-organization trust levels are a rule-set setting still to come.
 */
export function buildGoldenView(sources: readonly GoldenSource[]): GoldenView {
  const newestFirst = [...sources].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  const first = <T>(pick: (d: Demographics) => T | undefined): T | undefined => {
    for (const s of newestFirst) {
      const v = pick(s.demographics);
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  };
  const union = <T>(pick: (d: Demographics) => T[] | undefined, key: (t: T) => string): T[] => {
    const seen = new Map<string, T>();
    for (const s of newestFirst) for (const v of pick(s.demographics) ?? []) if (!seen.has(key(v))) seen.set(key(v), v);
    return [...seen.values()];
  };
  const view: GoldenView = {
    name: first((d) => d.name?.find((n) => n.family || n.given?.length)),
    birthDate: first((d) => d.birthDate),
    sex: first((d) => (d.sex && d.sex !== 'unknown' ? d.sex : undefined)) ?? first((d) => d.sex),
    address: first((d) => d.address?.[0]),
    telecom: union((d) => d.telecom, (t) => `${t.system}|${t.value.toLowerCase().replace(/[^a-z0-9@.]/g, '')}`),
    identifiers: union((d) => d.identifiers, (i) => `${i.system}|${i.value}`),
    mothersMaidenName: first((d) => d.mothersMaidenName),
    sourceCount: sources.length,
  };
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) as unknown as GoldenView;
}
