/**
 * A hand-written acceptance check for demographics: true ONLY when class-validator, run as
 * validateDemographics runs it (plainToInstance(DemographicsDto) + validateSync with whitelist,
 * forbidNonWhitelisted, forbidUnknownValues), would certainly report no error. Any doubt
 * answers false, and the caller runs class-validator, which stays the definition and gives the
 * messages. About 20 times cheaper than class-validator on synthetic batch rows (no class
 * instances, no metadata walk, no error objects).
 *
 * It mirrors every rule of DemographicsDto and its nested DTOs (dto/demographics.dto.ts):
 * a change there must be made here too. demographics.fast-check.spec.ts compares the two on
 * thousands of generated inputs at every boundary and fails on a divergence either way.
 *
 * Deliberately conservative (class-validator may accept, this says false): any object whose
 * prototype is not Object.prototype, String objects (IsString accepts them), array holes and
 * undefined array members (ValidateNested skips them), arrays inside the name, address, telecom
 * or identifiers array (ValidateNested walks into them: `address: [[]]` passes), and keys that
 * class-transformer does not copy (`__proto__`, which sets the prototype; names of
 * Object.prototype's functions such as `toString`). JSON.parse and the batch's CSV mapping
 * produce only the last kind, and only from a client sending such a key.
 *
 * Each DTO is one table below (`shape`), a rule per property named after its decorators;
 * `optional` is IsOptional (null and undefined skip every other rule of the property), and the
 * properties without it (name; ContactPoint's and Identifier's system and value) fail on null
 * and undefined, absent or present.
 *
 * Not a class-validator rule, so not checked here: the NUL character (unstorable-characters.ts), which
 * validateDemographics tests before this.
 *
 * Pure: no framework, no allocation on the accepting path except the date check's.
 */
import { ASSIGNING_AUTHORITY } from '../organizations/dto/organization.dto.js';
import { IDENTIFIER_VALUE, NAME_USES, POSTAL_CODE, SEX_CODES, TELECOM_SYSTEMS } from './dto/demographics.dto.js';
import { pastCalendarDateProblem } from './dto/demographics.validators.js';

const OBJECT_PROTO = Object.prototype;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

type Rule = (x: unknown) => boolean;

/** A DTO class: its properties' rules (any other key fails, as whitelist + forbidNonWhitelisted). */
interface Shape {
  rules: Readonly<Record<string, Rule>>;
  /** The properties without IsOptional: an absent one fails (their rules fail on undefined). */
  required: Readonly<Record<string, boolean>>;
  requiredCount: number;
}

const shape = (rules: Record<string, Rule>, required: readonly string[] = []): Shape => ({
  rules: Object.assign(Object.create(null) as Record<string, Rule>, rules),
  required: Object.assign(Object.create(null) as Record<string, boolean>, Object.fromEntries(required.map((k) => [k, true]))),
  requiredCount: required.length,
});

// The rules, named after the decorators they mirror.
/** IsOptional: null and undefined skip every other rule of the property. */
const optional = (rule: Rule): Rule => (x) => x == null || rule(x);
/** IsString + MaxLength(max). */
const string = (max: number): Rule => (x) => isStringMax(x, max);
/** IsString + IsNotEmpty + MaxLength(max). */
const nonEmptyString = (max: number): Rule => (x) => x !== '' && isStringMax(x, max);
/** IsArray + ArrayMaxSize(items) + IsString each + MaxLength(max) each. */
const strings = (items: number, max: number): Rule => (x) => stringArray(x, items, max);
/** IsIn(list). */
const oneOf = (list: readonly string[]): Rule => (x) => isIn(x, list);
/** IsString + Matches(pattern) (+ MaxLength(max)). */
const matching = (pattern: RegExp, max = Infinity): Rule => (x) => isStringMax(x, max) && pattern.test(x as string);
/** IsArray + ArrayMaxSize(items) + ValidateNested each + Type(() => the shape's class). */
const list = (items: number, of: Shape): Rule => (x) => arrayOf(x, items, of);

const HUMAN_NAME = shape({
  family: optional(string(100)),
  given: optional(strings(5, 100)),
  prefix: optional(strings(5, 30)),
  suffix: optional(strings(5, 30)),
  use: optional(oneOf(NAME_USES)),
});

const ADDRESS = shape({
  line: optional(strings(4, 200)),
  city: optional(string(100)),
  state: optional(string(50)),
  postalCode: optional(matching(POSTAL_CODE)),
  country: optional(string(60)),
});

const CONTACT_POINT = shape({ system: oneOf(TELECOM_SYSTEMS), value: nonEmptyString(200) }, ['system', 'value']);

const IDENTIFIER = shape(
  { system: matching(ASSIGNING_AUTHORITY, 300), value: (x) => x !== '' && matching(IDENTIFIER_VALUE, 100)(x) },
  ['system', 'value'],
);

const DEMOGRAPHICS = shape(
  {
    // IsArray + ArrayMinSize(1) + ArrayMaxSize(10) + ValidateNested each + HasUsableName.
    name: (x) => arrayOf(x, 10, HUMAN_NAME) && (x as unknown[]).length >= 1 && hasUsableName(x as unknown[]),
    birthDate: optional((x) => typeof x === 'string' && pastCalendarDateProblem(x) === null),
    sex: optional(oneOf(SEX_CODES)),
    address: optional(list(10, ADDRESS)),
    telecom: optional(list(20, CONTACT_POINT)),
    identifiers: optional(list(20, IDENTIFIER)),
    mothersMaidenName: optional(string(100)),
  },
  ['name'],
);

/** Whether class-validator would accept `plain` as DemographicsDto (see the module comment). */
export function acceptsDemographics(plain: unknown): boolean {
  return fits(plain, DEMOGRAPHICS);
}

function fits(v: unknown, s: Shape): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  let required = 0;
  // for…in also walks inherited enumerable keys; Object.prototype has none, so with the
  // prototype checked these are exactly Object.keys, what class-transformer copies.
  for (const key in o) {
    const rule = s.rules[key];
    if (rule === undefined || !rule(o[key])) return false;
    if (s.required[key]) required++;
  }
  return required === s.requiredCount;
}

/** HasUsableName (demographics.validators.ts), with an ASCII shortcut before its Unicode test. */
function hasUsableName(names: unknown[]): boolean {
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as { family?: unknown; given?: unknown };
    if (typeof n.family === 'string' && hasLetterOrDigit(n.family)) return true;
    const given = n.given;
    if (Array.isArray(given)) {
      for (let j = 0; j < given.length; j++) {
        const g: unknown = given[j];
        if (typeof g === 'string' && hasLetterOrDigit(g)) return true;
      }
    }
  }
  return false;
}

function hasLetterOrDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
    if (c >= 128) return LETTER_OR_DIGIT.test(s);
  }
  return false;
}

/** IsArray + ArrayMaxSize(max) + each member of the shape (a hole fails: `i in v`). */
function arrayOf(v: unknown, max: number, of: Shape): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!(i in v) || !fits(v[i], of)) return false;
  return true;
}

/** IsArray + ArrayMaxSize(max) + IsString each + MaxLength(maxLength) each. */
function stringArray(v: unknown, max: number, maxLength: number): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!isStringMax(v[i], maxLength)) return false;
  return true;
}

function isIn(v: unknown, list: readonly string[]): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

/** A primitive string (String objects: false) no longer than MaxLength(max) counts. */
function isStringMax(v: unknown, max: number): boolean {
  if (typeof v !== 'string') return false;
  // validator.js isLength counts UTF-16 code units minus surrogate pairs minus (character +
  // variation selector) pairs, so its length is never more than .length.
  return v.length <= max || validatorLength(v) <= max;
}

/**
 * validator.js 13 isLength's count: `str.length - presentationSequences - surrogatePairs`,
 * each the number of non-overlapping matches, left to right, of
 * /[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g and /[\uD800-\uDBFF][\uDC00-\uDFFF]/g.
 */
export function validatorLength(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    if (a !== 0xfe0f && a !== 0xfe0e && (b === 0xfe0f || b === 0xfe0e)) {
      n--;
      i++;
    }
  }
  for (let i = 0; i + 1 < s.length; i++) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    if (a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff) {
      n--;
      i++;
    }
  }
  return n;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === OBJECT_PROTO;
}
