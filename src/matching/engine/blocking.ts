/**
 * Blocking: several independent rules, each a combination of key functions. A record's
 * keys are `<ruleId>:<v1>|<v2>…` for every combination of its key-function values; a
 * candidate is any stored record sharing at least one key.
 */
import { inNicknameTable } from './nicknames.js';
import { streetNameWord } from './normalize.js';
import { doubleMetaphone } from './phonetics.js';
import type { CompiledRuleSet, NormalizedRecord } from './types.js';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const uniq = (xs: readonly string[]): string[] => [...new Set(xs.filter((x) => x !== ''))];
/** Two codes as an unordered pair, "A/B" with A ≤ B. */
const unorderedPair = (a: string, b: string): string => (a <= b ? `${a}/${b}` : `${b}/${a}`);

/** Key functions a rule file may name. Each returns zero or more values. */
export const BLOCKING_KEY_FUNCTIONS: Readonly<Record<string, (r: NormalizedRecord) => string[]>> = {
  /** Double Metaphone codes of the joined family name and of each compound part. */
  familyPhonetic: (r) => {
    if (!r.family) return [];
    const out = [...r.family.dm];
    if (r.family.parts.length > 1) {
      // Per record (not per pair), so computing the parts' codes here is cheap.
      for (const p of r.family.parts) out.push(...doubleMetaphone(p));
    }
    return uniq(out);
  },
  givenPhonetic: (r) => (r.given ? uniq(r.given.dm) : []),
  /** Canonical given names (nickname table), so BOB and ROBERT share a key. */
  givenCanonical: (r) => (r.given ? uniq(r.given.canon) : []),
  /**
   * Canonical given names of a name the nickname table knows (as a nickname or a canonical
   * name); none for any other name. For a name the table does not know, `givenCanonical` is the
   * name itself, so its block holds only records of the very same given name, which already
   * share that name's phonetic codes: with `familyPhonetic` beside it, such a key finds nothing
   * `namePairPhoneticCodes` does not (block caps aside), and costs a key row and a block read.
   */
  givenNicknameCanonical: (r) => (r.given && inNicknameTable(r.given.text) ? uniq(r.given.canon) : []),
  familySoundex: (r) => (r.family?.sx ? [r.family.sx] : []),
  givenSoundex: (r) => (r.given?.sx ? [r.given.sx] : []),
  givenInitial: (r) => (r.given ? [r.given.text[0]] : []),
  familyInitial: (r) => (r.family ? [r.family.text[0]] : []),
  birthYear: (r) => (r.birthDate ? [pad(r.birthDate.year, 4)] : []),
  birthDate: (r) =>
    r.birthDate ? [`${pad(r.birthDate.year, 4)}${pad(r.birthDate.month, 2)}${pad(r.birthDate.day, 2)}`] : [],
  birthMonth: (r) => (r.birthDate ? [pad(r.birthDate.month, 2)] : []),
  birthDay: (r) => (r.birthDate ? [pad(r.birthDate.day, 2)] : []),
  /**
   * Day and month as an unordered pair ("03/12" for 12 March and for 3 December), so a date whose
   * day and month were entered in each other's place shares the key. Only for dates that can
   * be transposed into another valid date (day 1–12, not equal to the month): a day above 12
   * entered as the month is not a date, and such a record gets no key.
   */
  birthDayMonthSwappable: (r) => {
    const d = r.birthDate;
    if (!d || d.day > 12 || d.day === d.month) return [];
    return [d.month < d.day ? `${pad(d.month, 2)}/${pad(d.day, 2)}` : `${pad(d.day, 2)}/${pad(d.month, 2)}`];
  },
  postalCode: (r) => (r.postalCode ? [r.postalCode] : []),
  phone: (r) => uniq(r.phones),
  email: (r) => uniq(r.emails),
  ssn: (r) => (r.ssn ? [r.ssn] : []),
  houseNumber: (r) => (r.address?.number ? [r.address.number] : []),
  /**
   * Double Metaphone primary code of the street's name word (types and directions skipped), so a
   * typo, a dropped or glued street type ("AINSWORTHSTREET") still shares the key.
   */
  streetPhonetic: (r) => {
    const w = streetNameWord(r.address?.street ?? null);
    // Primary code only: one key per record keeps the lock and index cost of this
    // fallback rule at one row.
    return w === null ? [] : doubleMetaphone(w).slice(0, 1);
  },
  /**
   * The unordered pair of given- and family-name primary codes ("A/B" with A ≤ B), so a record
   * whose given and family names were entered in each other's fields shares the key.
   */
  namePairPhonetic: (r) => {
    // Primary codes only (one key per record): a swap moves the same strings, so their
    // primary codes agree; the ordered rules already cover alternate codes.
    const g = r.given?.dm[0];
    const f = r.family?.dm[0];
    if (!g || !f) return [];
    return [unorderedPair(g, f)];
  },
  namePairPhoneticCodes,
};

/**
 * Every unordered pair of a given-name code and a family-name code ("A/B" with A ≤ B): the
 * Double Metaphone codes, primary and alternate, and those of each part of a compound family
 * name (`givenPhonetic` × `familyPhonetic`, each pair sorted). Its blocks hold those of the
 * ordered pairs (a rule [givenPhonetic, familyPhonetic]) and of `namePairPhonetic`'s primary
 * pair, plus records whose names were entered in each other's fields: one rule instead of both.
 */
function namePairPhoneticCodes(r: NormalizedRecord): string[] {
  const gs = BLOCKING_KEY_FUNCTIONS.givenPhonetic(r);
  const fs = BLOCKING_KEY_FUNCTIONS.familyPhonetic(r);
  const out: string[] = [];
  for (const g of gs) for (const f of fs) out.push(unorderedPair(g, f));
  return uniq(out);
}

function product(lists: string[][]): string[] {
  let acc: string[] = [''];
  for (const l of lists) {
    const next: string[] = [];
    for (const prefix of acc) for (const v of l) next.push(prefix === '' ? v : `${prefix}|${v}`);
    acc = next;
  }
  return acc;
}

/**
 * Deduplicated blocking keys of a record under a rule set. A rule yields no key when any
 * of its key functions has no value (a missing field never blocks everything together).
 * The database side skips keys whose block exceeds `blockCap(rs, key)`.
 */
export function blockingKeys(rec: NormalizedRecord, rs: CompiledRuleSet): string[] {
  const out = new Set<string>();
  for (const rule of rs.blocking.rules) {
    const lists = rule.fns.map((f) => f(rec));
    if (lists.some((l) => l.length === 0)) continue;
    for (const v of product(lists)) out.add(`${rule.id}:${v}`);
  }
  return [...out];
}

const capsByRule = new WeakMap<CompiledRuleSet, Map<string, number>>();

/**
 * The block-size cap of a key (`rule:value`): its rule's `maxBlockSize`, else the rule set's.
 * A block holding more records is skipped whole (the database reads at most cap + 1 of it):
 * its key is too common to say anything, and reading it would cost more than it finds.
 */
export function blockCap(rs: CompiledRuleSet, key: string): number {
  let caps = capsByRule.get(rs);
  if (!caps) capsByRule.set(rs, (caps = new Map(rs.blocking.rules.map((r) => [r.id, r.maxBlockSize]))));
  return caps.get(key.slice(0, key.indexOf(':'))) ?? rs.blocking.maxBlockSize;
}

/** `blockCap` of each key, in order (the candidate statement's per-key limits). */
export function blockCaps(rs: CompiledRuleSet, keys: readonly string[]): number[] {
  return keys.map((k) => blockCap(rs, k));
}
