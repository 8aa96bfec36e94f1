import { canonicalGivenNames } from './nicknames.js';
import { doubleMetaphone, soundex } from './phonetics.js';
import { digitsOnly, foldText, tokens } from './text.js';
import {
  SSN_SYSTEM,
  type Address,
  type AddressValue,
  type BirthDate,
  type ContactPoint,
  type Demographics,
  type HumanName,
  type Identifier,
  type NameValue,
  type NormalizedRecord,
} from './types.js';

const NAME_PREFIXES = new Set([
  'MR', 'MRS', 'MS', 'MISS', 'MX', 'DR', 'PROF', 'REV', 'FR', 'SIR', 'DAME', 'LADY', 'LORD',
  'SISTER', 'BROTHER', 'CAPT', 'COL', 'MAJ', 'LT', 'SGT', 'HON', 'JUDGE', 'RABBI', 'PASTOR',
]);
const NAME_SUFFIXES = new Set([
  'JR', 'JNR', 'SR', 'SNR', 'II', 'III', 'IV', 'V', 'VI', '2ND', '3RD', '4TH', 'MD', 'DO', 'PHD',
  'DDS', 'DMD', 'RN', 'NP', 'PA', 'ESQ', 'CPA', 'MBA', 'JD', 'DVM', 'OD', 'LPN', 'RET',
]);
/** Surname particles: kept in the joined name, not used alone as a compound part. */
const SURNAME_PARTICLES = new Set([
  'DE', 'DA', 'DI', 'DO', 'DOS', 'DAS', 'DEL', 'DELLA', 'DER', 'DEN', 'LA', 'LE', 'LO', 'VAN',
  'VON', 'Y', 'E', 'DU', 'ST', 'SAINT', 'MAC', 'AL', 'EL', 'BIN', 'BEN', 'TER', 'TEN',
]);

function nameValue(text: string, parts: string[], isGiven: boolean): NameValue | null {
  if (text === '') return null;
  return {
    text,
    canon: isGiven ? canonicalGivenNames(text) : [text],
    parts,
    dm: doubleMetaphone(text),
    sx: soundex(text),
  };
}

/** Pick the name to match on: official/usual first, else the first one. */
function primaryName(names: readonly HumanName[]): HumanName | undefined {
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
}

function stripTitles(toks: string[], opts: { prefixes: boolean; suffixes: boolean }): string[] {
  let out = toks;
  if (opts.prefixes) {
    let i = 0;
    // Only leading prefixes, and never the last remaining token (a given name "Miss" stays).
    while (i < out.length - 1 && NAME_PREFIXES.has(out[i])) i++;
    out = out.slice(i);
  }
  if (opts.suffixes) {
    let j = out.length;
    while (j > 1 && NAME_SUFFIXES.has(out[j - 1])) j--;
    out = out.slice(0, j);
  }
  return out;
}

/** Normalize a given-name list: first token is the given name, the rest middle names. */
export function normalizeGiven(given: readonly string[] | undefined): { given: NameValue | null; middle: string[] } {
  const toks = stripTitles(tokens((given ?? []).join(' ')), { prefixes: true, suffixes: true });
  if (toks.length === 0) return { given: null, middle: [] };
  return { given: nameValue(toks[0], [toks[0]], true), middle: toks.slice(1) };
}

/**
 * Normalize a family name: titles/suffixes removed, compound and hyphenated names joined
 * (GARCIA-LOPEZ → GARCIALOPEZ) with their parts kept (GARCIA, LOPEZ).
 */
export function normalizeFamily(family: string | undefined): NameValue | null {
  if (family === undefined) return null;
  const toks = stripTitles(tokens(family), { prefixes: false, suffixes: true });
  if (toks.length === 0) return null;
  const parts = toks.filter((t) => !SURNAME_PARTICLES.has(t) && t.length > 1);
  return nameValue(toks.join(''), parts.length > 0 ? parts : [toks.join('')], false);
}

/** Strict YYYY-MM-DD (or YYYYMMDD) calendar date; anything else → null, never invented. */
export function parseBirthDate(s: string | undefined): BirthDate | null {
  if (s === undefined) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1800 || month < 1 || month > 12 || day < 1) return null;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day > days) return null;
  return { year, month, day };
}

const PLACEHOLDER_PHONES = new Set(['1234567890', '0123456789', '5555555555']);

/** Phone digits without the US country code 1 (NANP); too short / placeholder → null. */
export function normalizePhone(s: string): string | null {
  let d = digitsOnly(s);
  if (d.length === 11 && d.startsWith('1')) d = d.slice(1);
  if (d.length < 7) return null;
  if (/^(\d)\1+$/.test(d) || PLACEHOLDER_PHONES.has(d)) return null;
  return d;
}

/** Lower-cased, trimmed email; null when it has no single '@' with text on both sides. */
export function normalizeEmail(s: string): string | null {
  const e = s.trim().toLowerCase();
  return /^[^@\s]+@[^@\s]+$/.test(e) ? e : null;
}

const SSN_PLACEHOLDERS = new Set([
  '123456789', '987654321', '078051120', '219099999', '457555462', '1234567', '7654321',
]);

/**
 * SSN-system value → digit string of 7–9 digits (7: FEBRL's social-security id) or null for
 * placeholders (000000000, 123456789, 999999999, 078051120, one repeated digit, an all-zero
 * area/group/serial in a 9-digit SSN).
 */
export function normalizeSsn(s: string): string | null {
  const d = digitsOnly(s);
  if (d.length < 7 || d.length > 9) return null;
  if (/^(\d)\1+$/.test(d) || SSN_PLACEHOLDERS.has(d)) return null;
  if (d.length === 9 && (d.slice(0, 3) === '000' || d.slice(3, 5) === '00' || d.slice(5) === '0000')) return null;
  return d;
}

const STREET_TYPES: Record<string, string> = {
  STREET: 'ST', STR: 'ST', AVENUE: 'AVE', AV: 'AVE', AVN: 'AVE', ROAD: 'RD', DRIVE: 'DR', DRV: 'DR',
  LANE: 'LN', BOULEVARD: 'BLVD', BVD: 'BLVD', COURT: 'CT', CRT: 'CT', PLACE: 'PL', TERRACE: 'TER',
  TERR: 'TER', CIRCLE: 'CIR', HIGHWAY: 'HWY', PARKWAY: 'PKWY', PARADE: 'PDE', CRESCENT: 'CRES',
  CRESCENTS: 'CRES', CLOSE: 'CL', SQUARE: 'SQ', TRAIL: 'TRL', WAY: 'WAY', PLAZA: 'PLZ',
  EXPRESSWAY: 'EXPY', FREEWAY: 'FWY', GROVE: 'GRV', HEIGHTS: 'HTS', POINT: 'PT', RIDGE: 'RDG',
  CIRCUIT: 'CCT', ESPLANADE: 'ESP', MOUNT: 'MT', ALLEY: 'ALY', CRES: 'CRES', AVENIDA: 'AVE',
};
const DIRECTIONS: Record<string, string> = {
  NORTH: 'N', SOUTH: 'S', EAST: 'E', WEST: 'W', NORTHEAST: 'NE', NORTHWEST: 'NW', SOUTHEAST: 'SE',
  SOUTHWEST: 'SW',
};
const UNIT_WORDS = new Set(['APT', 'APARTMENT', 'UNIT', 'STE', 'SUITE', 'FLAT', 'RM', 'ROOM', 'NO', 'NUM', 'FL', 'FLOOR', 'BLDG', 'LOT', 'SPC']);

const STREET_WORDS = new Set([...Object.keys(STREET_TYPES), ...Object.values(STREET_TYPES), ...Object.keys(DIRECTIONS), ...Object.values(DIRECTIONS)]);

/**
 * The street's name word of a normalized street ("N MAIN ST" → MAIN, "AINSWORTHSTREET" →
 * AINSWORTHSTREET): the first token that is not a street type or a direction, else the
 * first token; null without a street.
 */
export function streetNameWord(street: string | null): string | null {
  if (street === null) return null;
  const toks = street.split(' ').filter((t) => t !== '');
  return toks.find((t) => !STREET_WORDS.has(t)) ?? toks[0] ?? null;
}

/** First address line (+ a unit found on line 2) → number, street with abbreviated types, unit. */
export function normalizeAddressLine(lines: readonly string[] | undefined): AddressValue | null {
  if (!lines || lines.length === 0) return null;
  const unitFrom = (raw: string): { rest: string[]; unit: string | null } => {
    // '#' marks a unit before folding removes it.
    const toks = tokens(raw.replace(/#\s*/g, ' UNIT '));
    const idx = toks.findIndex((t) => UNIT_WORDS.has(t));
    if (idx >= 0 && idx < toks.length - 1) {
      return { rest: [...toks.slice(0, idx), ...toks.slice(idx + 2)], unit: toks[idx + 1] };
    }
    return { rest: toks.filter((t) => !UNIT_WORDS.has(t)), unit: null };
  };
  const first = unitFrom(lines[0]);
  let unit = first.unit;
  if (!unit && lines[1] !== undefined) {
    const second = unitFrom(lines[1]);
    if (second.unit && second.rest.length === 0) unit = second.unit;
  }
  const toks = first.rest.map((t) => STREET_TYPES[t] ?? DIRECTIONS[t] ?? t);
  if (toks.length === 0) return null;
  let number: string | null = null;
  let streetToks = toks;
  if (/^\d+[A-Z]?$/.test(toks[0])) {
    number = toks[0];
    streetToks = toks.slice(1);
  }
  const street = streetToks.length > 0 ? streetToks.join(' ') : null;
  const line = [number, street, unit ? `UNIT ${unit}` : null].filter((x) => x !== null).join(' ');
  return { line, number, street, unit };
}

/** Postal code: US ZIP+4 → 5-digit ZIP; other countries keep their alphanumerics. */
export function normalizePostalCode(s: string | undefined, country: string | null): string | null {
  if (s === undefined) return null;
  const f = foldText(s).replace(/ /g, '');
  if (f === '') return null;
  const us = country === null || country === 'US' || country === 'USA';
  if (us && /^\d{9}$/.test(f)) return f.slice(0, 5);
  if (us && /^\d{5}$/.test(f)) return f;
  return f;
}

function normalizeCountry(s: string | undefined): string | null {
  if (s === undefined) return null;
  const f = foldText(s).replace(/ /g, '');
  if (f === '') return null;
  if (f === 'USA' || f === 'UNITEDSTATES' || f === 'UNITEDSTATESOFAMERICA') return 'US';
  return f;
}

function textOrNull(s: string | undefined): string | null {
  if (s === undefined) return null;
  const f = foldText(s);
  return f === '' ? null : f;
}

function normalizeTelecom(telecom: readonly ContactPoint[] | undefined): { phones: string[]; emails: string[] } {
  const phones: string[] = [];
  const emails: string[] = [];
  for (const c of telecom ?? []) {
    if (c.system === 'phone' || c.system === 'sms') {
      const p = normalizePhone(c.value);
      if (p && !phones.includes(p)) phones.push(p);
    } else if (c.system === 'email') {
      const e = normalizeEmail(c.value);
      if (e && !emails.includes(e)) emails.push(e);
    }
  }
  return { phones, emails };
}

function normalizeIdentifiers(ids: readonly Identifier[] | undefined): { ssn: string | null; identifiers: Identifier[] } {
  let ssn: string | null = null;
  const identifiers: Identifier[] = [];
  for (const id of ids ?? []) {
    const system = id.system.trim();
    const value = id.value.trim();
    if (system === '' || value === '') continue;
    if (system === SSN_SYSTEM) {
      ssn ??= normalizeSsn(value);
      continue;
    }
    identifiers.push({ system, value });
  }
  return { ssn, identifiers };
}

function primaryAddress(addresses: readonly Address[] | undefined): Address | undefined {
  return addresses?.[0];
}

/**
 * Normalize demographics into the plain-data form the comparators and blocking use.
 * Deterministic, no I/O; phonetic codes are computed here once per record.
 */
export function normalize(d: Demographics): NormalizedRecord {
  const name = primaryName(d.name ?? []);
  const { given, middle } = normalizeGiven(name?.given);
  const family = normalizeFamily(name?.family);
  const addr = primaryAddress(d.address);
  const country = normalizeCountry(addr?.country);
  const { phones, emails } = normalizeTelecom(d.telecom);
  const { ssn, identifiers } = normalizeIdentifiers(d.identifiers);
  return {
    v: 1,
    given,
    middle,
    family,
    birthDate: parseBirthDate(d.birthDate),
    sex: d.sex === 'male' ? 'M' : d.sex === 'female' ? 'F' : d.sex === 'other' ? 'O' : null,
    address: normalizeAddressLine(addr?.line),
    city: textOrNull(addr?.city),
    state: textOrNull(addr?.state),
    postalCode: normalizePostalCode(addr?.postalCode, country),
    country,
    phones,
    emails,
    ssn,
    identifiers,
    mothersMaidenName: normalizeFamily(d.mothersMaidenName),
  };
}
