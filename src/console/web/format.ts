/** Plain-language labels and formats for the console (pure functions, unit-tested). */
import type { Address, Contribution, Demographics, HumanName } from './api.js';

const FIELD_LABELS: Record<string, string> = {
  prior: 'Prior (starting odds)',
  given_name: 'Given name',
  family_name: 'Family name',
  birth_date: 'Birth date',
  sex: 'Sex',
  address: 'Street address',
  city: 'City',
  postal_code: 'Postal code',
  state: 'State',
  phone: 'Phone',
  email: 'E-mail',
  ssn: 'SSN',
  mothers_maiden_name: "Mother's maiden name",
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? capitalize(field.replace(/_/g, ' '));
}

const LEVEL_LABELS: Record<string, string> = {
  exact: 'same',
  nickname: 'nickname of each other',
  initial: 'initial matches',
  swapped: 'given and family name swapped',
  compound_part: 'part of a compound name',
  phonetic: 'sound alike',
  day_month_transposed: 'day and month swapped',
  one_keystroke: 'one digit mistyped or two digits swapped',
  one_component_off: 'one of day, month, year differs',
  number_and_street: 'same house number and street',
  consecutive: 'consecutive numbers (e.g. twins)',
  one_edit: 'one character differs',
  two_edits: 'two characters differ',
  else: 'different',
  missing: 'not compared (missing)',
  prior: 'before any field',
};

/** `jw_0_92` → "very similar (Jaro-Winkler ≥ 0.92)". */
export function levelLabel(level: string): string {
  const known = LEVEL_LABELS[level];
  if (known) return known;
  const jw = /^jw_(\d)_(\d+)$/.exec(level);
  if (jw) return `similar spelling (Jaro-Winkler ≥ ${jw[1]}.${jw[2]})`;
  return level.replace(/_/g, ' ');
}

/** Weights are log2 likelihood ratios ("bits"): +1 doubles the odds. */
export function bits(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return '–';
  const r = Math.round(w * 10) / 10;
  if (r === 0) return '0.0';
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}`;
}

export function percent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  const v = p * 100;
  if (v > 99.9 && v < 100) return '>99.9%';
  if (v < 0.1 && v > 0) return '<0.1%';
  return `${v.toFixed(v >= 10 ? 0 : 1)}%`;
}

export function nameText(n: HumanName | undefined): string {
  if (!n) return '';
  return [...(n.prefix ?? []), ...(n.given ?? []), n.family ?? '', ...(n.suffix ?? [])].filter(Boolean).join(' ');
}

export function addressText(a: Address | undefined): string {
  if (!a) return '';
  const cityLine = [a.city, [a.state, a.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return [...(a.line ?? []), cityLine, a.country && a.country !== 'US' ? a.country : ''].filter(Boolean).join(', ');
}

export const SSN_SYSTEM = 'urn:oid:2.16.840.1.113883.4.1';

/** The rows of a side-by-side comparison, in reading order, from raw demographics. */
export function demographicRows(d: Demographics | undefined): Array<[string, string]> {
  if (!d) return [];
  const ids = d.identifiers ?? [];
  return [
    ['Name', (d.name ?? []).map(nameText).join(' / ')],
    ['Birth date', d.birthDate ?? ''],
    ['Sex', d.sex ?? ''],
    ['Address', (d.address ?? []).map(addressText).join(' / ')],
    ['Phone', (d.telecom ?? []).filter((t) => t.system === 'phone').map((t) => t.value).join(', ')],
    ['E-mail', (d.telecom ?? []).filter((t) => t.system === 'email').map((t) => t.value).join(', ')],
    ['SSN', ids.filter((i) => i.system === SSN_SYSTEM).map((i) => i.value).join(', ')],
    ['Other identifiers', ids.filter((i) => i.system !== SSN_SYSTEM).map((i) => `${i.system}|${i.value}`).join(', ')],
    ["Mother's maiden name", d.mothersMaidenName ?? ''],
  ];
}

export interface Explanation {
  summary: string;
  supporting: Contribution[];
  opposing: Contribution[];
  missing: Contribution[];
}

/**
 * A readable account of a score: which fields argue for the pair being one person, which
 * against (largest first), and which could not be compared.
 */
export function explainScore(t: { grade: string; probability: number; score: number; priorWeight: number; contributions: Contribution[] }): Explanation {
  const byWeight = [...t.contributions].sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight));
  const supporting = byWeight.filter((c) => c.weight > 0);
  const opposing = byWeight.filter((c) => c.weight < 0);
  const missing = t.contributions.filter((c) => c.weight === 0 || c.level === 'missing');
  const list = (cs: Contribution[]) => cs.map((c) => `${fieldLabel(c.field).toLowerCase()} ${levelLabel(c.level)} (${bits(c.weight)})`).join(', ');
  const parts = [`${capitalize(t.grade)} match, probability ${percent(t.probability)} (total ${bits(t.score)} bits, prior ${bits(t.priorWeight)}).`];
  if (supporting.length) parts.push(`For: ${list(supporting)}.`);
  if (opposing.length) parts.push(`Against: ${list(opposing)}.`);
  if (missing.length) parts.push(`Not compared: ${missing.map((c) => fieldLabel(c.field).toLowerCase()).join(', ')}.`);
  return { summary: parts.join(' '), supporting, opposing, missing };
}

export interface WaterfallBar {
  label: string;
  detail: string;
  from: number;
  to: number;
  kind: 'prior' | 'positive' | 'negative' | 'zero' | 'total';
}

/** Bars of a waterfall: the prior, then each field (largest effect first), then the total. */
export function waterfall(t: { score: number; priorWeight: number; contributions: Contribution[] }): WaterfallBar[] {
  const bars: WaterfallBar[] = [{ label: fieldLabel('prior'), detail: bits(t.priorWeight), from: 0, to: t.priorWeight, kind: 'prior' }];
  const sorted = t.contributions.map((c, i) => ({ c, i })).sort((x, y) => Math.abs(y.c.weight) - Math.abs(x.c.weight) || x.i - y.i);
  let run = t.priorWeight;
  for (const { c } of sorted) {
    bars.push({ label: fieldLabel(c.field), detail: `${levelLabel(c.level)} ${bits(c.weight)}`, from: run, to: run + c.weight, kind: c.weight > 0 ? 'positive' : c.weight < 0 ? 'negative' : 'zero' });
    run += c.weight;
  }
  bars.push({ label: 'Total', detail: bits(t.score), from: 0, to: t.score, kind: 'total' });
  return bars;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '';
}

function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
