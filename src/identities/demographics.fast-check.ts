/**
 * A hand-written acceptance check for demographics: true ONLY when class-validator, run as
 * validateDemographics runs it (plainToInstance(DemographicsDto) + validateSync with whitelist,
 * forbidNonWhitelisted, forbidUnknownValues), would certainly report no error. Any doubt
 * answers false, and the caller runs class-validator, which stays the definition and gives the
 * messages. About 40 times cheaper than class-validator on synthetic batch rows (no class
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
 * Not a class-validator rule, so not checked here: the NUL character (nul-characters.ts), which
 * validateDemographics tests before this.
 *
 * Pure: no framework, no allocation on the accepting path except the date check's.
 */
import { ASSIGNING_AUTHORITY } from '../organizations/dto/organization.dto.js';
import { IDENTIFIER_VALUE, NAME_USES, POSTAL_CODE, SEX_CODES, TELECOM_SYSTEMS } from './dto/demographics.dto.js';
import { pastCalendarDateProblem } from './dto/demographics.validators.js';

const OBJECT_PROTO = Object.prototype;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether class-validator would accept `plain` as DemographicsDto (see the module comment). */
export function acceptsDemographics(plain: unknown, today?: Date): boolean {
  if (!isPlainObject(plain)) return false;
  const o = plain as Record<string, unknown>;
  let name: unknown;
  let hasName = false;
  for (const key in o) {
    // for…in also walks inherited enumerable keys; Object.prototype has none, so with the
    // prototype checked above these are exactly Object.keys, what class-transformer copies.
    const v = o[key];
    switch (key) {
      case 'name':
        name = v;
        hasName = true;
        break;
      case 'birthDate':
        if (v != null && (typeof v !== 'string' || pastCalendarDateProblem(v, today) !== null)) return false;
        break;
      case 'sex':
        if (v != null && !isIn(v, SEX_CODES)) return false;
        break;
      case 'address':
        if (v != null && !arrayOf(v, 10, isAddress)) return false;
        break;
      case 'telecom':
        if (v != null && !arrayOf(v, 20, isContactPoint)) return false;
        break;
      case 'identifiers':
        if (v != null && !arrayOf(v, 20, isIdentifier)) return false;
        break;
      case 'mothersMaidenName':
        if (v != null && !isStringMax(v, 100)) return false;
        break;
      default:
        return false;
    }
  }
  // name: IsArray, ArrayMinSize(1), ArrayMaxSize(10), ValidateNested each, HasUsableName.
  if (!hasName || !Array.isArray(name) || name.length < 1 || !arrayOf(name, 10, isHumanName)) return false;
  return hasUsableName(name);
}

function isHumanName(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  for (const key in o) {
    const x = o[key];
    if (x == null) {
      if (key !== 'family' && key !== 'given' && key !== 'prefix' && key !== 'suffix' && key !== 'use') return false;
      continue;
    }
    switch (key) {
      case 'family':
        if (!isStringMax(x, 100)) return false;
        break;
      case 'given':
        if (!stringArray(x, 5, 100)) return false;
        break;
      case 'prefix':
      case 'suffix':
        if (!stringArray(x, 5, 30)) return false;
        break;
      case 'use':
        if (!isIn(x, NAME_USES)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isAddress(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  for (const key in o) {
    const x = o[key];
    if (x == null) {
      if (key !== 'line' && key !== 'city' && key !== 'state' && key !== 'postalCode' && key !== 'country') return false;
      continue;
    }
    switch (key) {
      case 'line':
        if (!stringArray(x, 4, 200)) return false;
        break;
      case 'city':
        if (!isStringMax(x, 100)) return false;
        break;
      case 'state':
        if (!isStringMax(x, 50)) return false;
        break;
      case 'postalCode':
        if (typeof x !== 'string' || !POSTAL_CODE.test(x)) return false;
        break;
      case 'country':
        if (!isStringMax(x, 60)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** system and value are required (no IsOptional): null and undefined fail. */
function isContactPoint(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  let seen = 0;
  for (const key in o) {
    const x = o[key];
    switch (key) {
      case 'system':
        if (!isIn(x, TELECOM_SYSTEMS)) return false;
        seen |= 1;
        break;
      case 'value':
        if (x === '' || !isStringMax(x, 200)) return false;
        seen |= 2;
        break;
      default:
        return false;
    }
  }
  return seen === 3;
}

function isIdentifier(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  let seen = 0;
  for (const key in o) {
    const x = o[key];
    switch (key) {
      case 'system':
        if (!isStringMax(x, 300) || !ASSIGNING_AUTHORITY.test(x as string)) return false;
        seen |= 1;
        break;
      case 'value':
        if (x === '' || !isStringMax(x, 100) || !IDENTIFIER_VALUE.test(x as string)) return false;
        seen |= 2;
        break;
      default:
        return false;
    }
  }
  return seen === 3;
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

/** IsArray + ArrayMaxSize(max) + a check of each member (no holes: `i in a` is tested). */
function arrayOf(v: unknown, max: number, each: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!(i in v) || !each(v[i])) return false;
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
