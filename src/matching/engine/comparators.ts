/**
 * Registries the rule file refers to by name: value extractors ("value" of a field) and
 * level predicates ("predicate" of a comparison level). Rule files carry no code: they only
 * pick entries from here and set their numeric parameters.
 */
import { phoneticCodesAgree } from './phonetics.js';
import { damerauDistance, jaroWinkler } from './string-distance.js';
import type { AddressValue, BirthDate, LevelTest, NameValue, NormalizedRecord, ValueKind } from './types.js';

export interface ValueExtractor {
  kind: ValueKind;
  /** The comparable value, or null when missing. text kind: non-empty string[]. */
  extract: (r: NormalizedRecord) => unknown;
  display: (v: unknown) => string;
  /** Value counted for term-frequency adjustment (names and text fields). */
  tfValue?: (r: NormalizedRecord) => string | undefined;
  /** The field a name is compared with for the 'swapped' predicate. */
  swapWith?: (r: NormalizedRecord) => NameValue | null;
}

const nameDisplay = (v: unknown): string => (v as NameValue).text;
const textDisplay = (v: unknown): string => (v as string[]).join(', ');
const one = (s: string | null): string[] | null => (s === null ? null : [s]);
const many = (s: readonly string[]): string[] | null => (s.length === 0 ? null : (s as string[]));
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function formatDate(d: BirthDate): string {
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

export const VALUE_EXTRACTORS: Readonly<Record<string, ValueExtractor>> = {
  givenName: {
    kind: 'name',
    extract: (r) => r.given,
    display: nameDisplay,
    tfValue: (r) => r.given?.text,
    swapWith: (r) => r.family,
  },
  familyName: {
    kind: 'name',
    extract: (r) => r.family,
    display: nameDisplay,
    tfValue: (r) => r.family?.text,
    swapWith: (r) => r.given,
  },
  mothersMaidenName: {
    kind: 'name',
    extract: (r) => r.mothersMaidenName,
    display: nameDisplay,
    tfValue: (r) => r.mothersMaidenName?.text,
  },
  birthDate: { kind: 'date', extract: (r) => r.birthDate, display: (v) => formatDate(v as BirthDate) },
  sex: { kind: 'text', extract: (r) => one(r.sex), display: textDisplay },
  addressLine: {
    kind: 'address',
    extract: (r) => r.address,
    display: (v) => (v as AddressValue).line,
    tfValue: (r) => r.address?.line,
  },
  city: { kind: 'text', extract: (r) => one(r.city), display: textDisplay, tfValue: (r) => r.city ?? undefined },
  state: { kind: 'text', extract: (r) => one(r.state), display: textDisplay },
  postalCode: {
    kind: 'text',
    extract: (r) => one(r.postalCode),
    display: textDisplay,
    tfValue: (r) => r.postalCode ?? undefined,
  },
  phone: { kind: 'text', extract: (r) => many(r.phones), display: textDisplay, tfValue: (r) => r.phones[0] },
  email: { kind: 'text', extract: (r) => many(r.emails), display: textDisplay },
  ssn: { kind: 'text', extract: (r) => one(r.ssn), display: textDisplay },
};

export interface PredicateParams {
  threshold?: number;
  maxEdits?: number;
}

export interface LevelPredicate {
  kinds: ValueKind[];
  /** Numeric parameters the predicate requires. */
  params: Array<keyof PredicateParams>;
  build: (p: PredicateParams, extractor: ValueExtractor) => LevelTest;
}

const always: LevelTest = () => true;

function anyPair(a: string[], b: string[], f: (x: string, y: string) => boolean): boolean {
  for (const x of a) for (const y of b) if (f(x, y)) return true;
  return false;
}

/** One of the names is compound and the two share a part (GARCIA-LOPEZ ~ GARCIA). */
function sharesCompoundPart(x: NameValue, y: NameValue): boolean {
  if (x.parts.length < 2 && y.parts.length < 2) return false;
  return anyPair(x.parts, y.parts, (p, q) => p === q);
}

function sameOrSharedPart(x: NameValue, y: NameValue): boolean {
  return x.text === y.text || sharesCompoundPart(x, y);
}

/**
 * The build of a swap predicate: this record's name is, by `same`, the other record's other
 * name (the extractor's `swapWith`: family for given, given for family), either way round.
 */
function swappedBy(same: (x: NameValue, y: NameValue) => boolean): LevelPredicate['build'] {
  return (_p, ex) => {
    const other = ex.swapWith;
    if (!other) return () => false;
    return (a, b, ra, rb) => {
      const ob = other(rb);
      const oa = other(ra);
      return (ob !== null && same(a as NameValue, ob)) || (oa !== null && same(b as NameValue, oa));
    };
  };
}

function oneDigitOrAdjacentYear(a: number, b: number): boolean {
  if (Math.abs(a - b) <= 1) return true;
  return damerauDistance(String(a), String(b), 1) <= 1;
}

export const LEVEL_PREDICATES: Readonly<Record<string, LevelPredicate>> = {
  exact: {
    kinds: ['name', 'date', 'text', 'address'],
    params: [],
    build: (_p, ex) => {
      switch (ex.kind) {
        case 'name':
          return (a, b) => (a as NameValue).text === (b as NameValue).text;
        case 'date':
          return (a, b) => {
            const x = a as BirthDate;
            const y = b as BirthDate;
            return x.year === y.year && x.month === y.month && x.day === y.day;
          };
        case 'address':
          return (a, b) => {
            const x = a as AddressValue;
            const y = b as AddressValue;
            // A unit present on one side only is not a disagreement.
            return x.number === y.number && x.street === y.street && (x.unit === y.unit || !x.unit || !y.unit);
          };
        default:
          return (a, b) => anyPair(a as string[], b as string[], (x, y) => x === y);
      }
    },
  },
  /** Nickname table: BOB ~ ROBERT, PEGGY ~ MARGARET. */
  nickname: {
    kinds: ['name'],
    params: [],
    build: () => (a, b) => anyPair((a as NameValue).canon, (b as NameValue).canon, (x, y) => x === y),
  },
  /** One part of a compound surname agrees (GARCIA-LOPEZ ~ GARCIA). */
  compoundPart: {
    kinds: ['name'],
    params: [],
    build: () => (a, b) => sharesCompoundPart(a as NameValue, b as NameValue),
  },
  jaroWinkler: {
    kinds: ['name', 'text', 'address'],
    params: ['threshold'],
    build: (p, ex) => {
      const t = p.threshold as number;
      if (ex.kind === 'name') return (a, b) => jaroWinkler((a as NameValue).text, (b as NameValue).text) >= t;
      if (ex.kind === 'address') return (a, b) => jaroWinkler((a as AddressValue).line, (b as AddressValue).line) >= t;
      return (a, b) => anyPair(a as string[], b as string[], (x, y) => jaroWinkler(x, y) >= t);
    },
  },
  /** Double Metaphone, primary and alternate cross-compared. */
  phonetic: {
    kinds: ['name'],
    params: [],
    build: () => (a, b) => phoneticCodesAgree((a as NameValue).dm, (b as NameValue).dm),
  },
  soundex: {
    kinds: ['name'],
    params: [],
    build: () => (a, b) => (a as NameValue).sx !== '' && (a as NameValue).sx === (b as NameValue).sx,
  },
  /** One side is a single initial matching the other's first letter (J ~ JOHN). */
  initial: {
    kinds: ['name'],
    params: [],
    build: () => (a, b) => {
      const x = (a as NameValue).text;
      const y = (b as NameValue).text;
      return (x.length === 1 || y.length === 1) && x[0] === y[0];
    },
  },
  /** Given and family name entered in each other's place. */
  swapped: {
    kinds: ['name'],
    params: [],
    build: swappedBy((x, y) => x.text === y.text),
  },
  /**
   * Given and family name exchanged, seen through compound names as `compoundPart` sees
   * them: the name equals the other record's other name, or one of the two is compound and
   * they share a part. A hyphenated surname keyed into the given-name field keeps only its
   * first part there (GRAHAM-JONES → given GRAHAM, middle JONES), so `swapped` never sees it.
   */
  swappedParts: {
    kinds: ['name'],
    params: [],
    build: swappedBy(sameOrSharedPart),
  },
  /** Same year, day and month exchanged (03/04 vs 04/03). */
  dayMonthTransposed: {
    kinds: ['date'],
    params: [],
    build: () => (a, b) => {
      const x = a as BirthDate;
      const y = b as BirthDate;
      return x.year === y.year && x.day !== x.month && x.day === y.month && x.month === y.day;
    },
  },
  /**
   * One keystroke apart: the YYYYMMDD digit strings are at optimal-string-alignment
   * distance 1 — one digit substituted (1957 → 1987, 04 → 09) or two adjacent digits
   * transposed, also across the year/month/day boundaries (1957-12-04 → 1957-10-24,
   * 1939-12-13 → 1939-11-23), which no component-wise level sees. Exact dates are not at
   * distance 1, so order this level after `exact`.
   */
  oneKeystroke: {
    kinds: ['date'],
    params: [],
    build: () => (a, b) => damerauDistance(formatDate(a as BirthDate).replaceAll('-', ''), formatDate(b as BirthDate).replaceAll('-', ''), 1) === 1,
  },
  /**
   * Exactly one component differs: the year by ±1 or one digit (typo/transposition), or
   * the month, or the day.
   */
  oneComponentOff: {
    kinds: ['date'],
    params: [],
    build: () => (a, b) => {
      const x = a as BirthDate;
      const y = b as BirthDate;
      const dy = x.year !== y.year;
      const dm = x.month !== y.month;
      const dd = x.day !== y.day;
      if (dy && !dm && !dd) return oneDigitOrAdjacentYear(x.year, y.year);
      return !dy && dm !== dd;
    },
  },
  /** Optimal-string-alignment (Damerau) distance ≤ maxEdits: typos and transpositions. */
  damerau: {
    kinds: ['text'],
    params: ['maxEdits'],
    build: (p) => {
      const k = p.maxEdits as number;
      return (a, b) => anyPair(a as string[], b as string[], (x, y) => damerauDistance(x, y, k) <= k);
    },
  },
  /**
   * Numerically adjacent identifiers: both all digits, same length, differing by exactly 1
   * (123456789 / 123456790). Twins and siblings registered together were often given
   * consecutive SSNs (sequential assignment before 2011), so this is household evidence
   * rather than a typo; order it before the edit-distance levels, which would take it.
   */
  consecutive: {
    kinds: ['text'],
    params: [],
    build: () => (a, b) =>
      anyPair(a as string[], b as string[], (x, y) => x.length === y.length && /^[0-9]+$/.test(x) && /^[0-9]+$/.test(y) && Math.abs(Number(x) - Number(y)) === 1),
  },
  /** Same house number and street name Jaro-Winkler ≥ threshold. */
  numberAndStreet: {
    kinds: ['address'],
    params: ['threshold'],
    build: (p) => {
      const t = p.threshold as number;
      return (a, b) => {
        const x = a as AddressValue;
        const y = b as AddressValue;
        return x.number !== null && x.number === y.number && x.street !== null && y.street !== null && jaroWinkler(x.street, y.street) >= t;
      };
    },
  },
  /** Catch-all last level. */
  else: { kinds: ['name', 'date', 'text', 'address'], params: [], build: () => always },
};
