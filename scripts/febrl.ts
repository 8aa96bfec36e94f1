/**
 * The FEBRL data sets (../shared/datasets/febrl) as demographics, and pair-based scoring of
 * a clustering against their truth. rec_id is the truth key only: never sent to the matcher.
 *
 * Mapping: given_name → name[0].given[0]; surname → name[0].family; street_number + address_1
 * → address.line[0]; address_2 → line[1]; suburb → city; postcode → postalCode; state →
 * state; country AU; date_of_birth (YYYYMMDD) → birthDate only when a real calendar date
 * (invalid dates are dropped, never repaired); soc_sec_id → identifier in the SSN system.
 * There is no sex column. Fields are trimmed; an empty field is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SSN_SYSTEM, type Demographics } from '../src/matching/engine/index.js';

/**
 * Where the FEBRL files are: FEBRL_DIR; else the workspace's ../shared/datasets/febrl beside
 * the project root; else the copy in test/fixtures/febrl (the same files with their licence,
 * so a clone anywhere can run the quality tests and benchmarks).
 */
export function febrlDirectory(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (process.env.FEBRL_DIR) return resolve(root, process.env.FEBRL_DIR);
  const shared = resolve(root, '../shared/datasets/febrl');
  return existsSync(join(shared, 'dataset4a.csv')) ? shared : resolve(root, 'test/fixtures/febrl');
}

export interface FebrlRow {
  recId: string;
  org: string;
  demographics: Demographics;
}

export function febrlDate(s: string): string | undefined {
  if (!/^\d{8}$/.test(s)) return undefined;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return undefined;
  if (dt.getTime() > Date.now() || y < 1850) return undefined;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

export function readFebrl(dir: string, file: string, org: string): FebrlRow[] {
  const text = readFileSync(join(dir, file), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const f = line.split(',').map((x) => x.trim());
    const get = (name: string): string => f[col(name)] ?? '';
    const opt = (s: string): string | undefined => (s === '' ? undefined : s);
    const line1 = [get('street_number'), get('address_1')].filter((x) => x !== '').join(' ');
    const lineArr = [line1, get('address_2')].filter((x) => x !== '');
    const address = { line: lineArr, city: opt(get('suburb')), postalCode: opt(get('postcode')), state: opt(get('state')), country: 'AU' };
    const d: Demographics = {
      name: [{ family: opt(get('surname')), given: get('given_name') ? [get('given_name')] : [] }],
      ...(febrlDate(get('date_of_birth')) ? { birthDate: febrlDate(get('date_of_birth')) } : {}),
      address: [Object.fromEntries(Object.entries(address).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)))],
      identifiers: get('soc_sec_id') ? [{ system: SSN_SYSTEM, value: get('soc_sec_id') }] : [],
    };
    return { recId: get('rec_id'), org, demographics: d };
  });
}

export const entityOf = (recId: string): string => /^rec-(\d+)-/.exec(recId)?.[1] ?? recId;

export interface PairScores {
  truePairs: number;
  predicted: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Pairs from cluster membership (every two records in one cluster) against the rec_id truth. */
export function scoreClusters(members: Array<{ recId: string; cluster: string }>): PairScores {
  const pairs = (groups: Map<string, string[]>, same: (a: string, b: string) => boolean) => {
    let n = 0;
    let hit = 0;
    for (const g of groups.values()) {
      for (let i = 0; i < g.length; i++) {
        for (let j = i + 1; j < g.length; j++) {
          n++;
          if (same(g[i], g[j])) hit++;
        }
      }
    }
    return { n, hit };
  };
  const group = (key: (m: { recId: string; cluster: string }) => string) => {
    const g = new Map<string, string[]>();
    for (const m of members) g.set(key(m), [...(g.get(key(m)) ?? []), m.recId]);
    return g;
  };
  const predicted = pairs(group((m) => m.cluster), (a, b) => entityOf(a) === entityOf(b));
  const truth = pairs(group((m) => entityOf(m.recId)), () => true);
  const precision = predicted.n ? predicted.hit / predicted.n : 0;
  const recall = truth.n ? predicted.hit / truth.n : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePairs: truth.n, predicted: predicted.n, truePositives: predicted.hit, precision, recall, f1 };
}
