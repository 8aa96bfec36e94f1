import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { febrlDirectory, readFebrl } from '../../scripts/febrl.js';
import { seededRandom } from '../../test/factories/seeded-random.js';
import { SYNTHETIC_COLUMNS, syntheticPatients } from '../../test/factories/synthetic-patients.js';
import { csvRowToRecord, ndjsonLineToRecord } from '../batch/batch-rows.js';
import { flattenValidationErrors } from '../common/http/validation.js';
import { nestingErrors } from '../common/nesting-depth.js';
import { unstorableCharacterErrors } from '../common/unstorable-characters.js';
import { acceptsDemographics, validatorLength } from './demographics.fast-check.js';
import { toDemographics } from './demographics.mapper.js';
import { validateDemographics } from './demographics.validation.js';
import { AddressDto, ContactPointDto, DemographicsDto, HumanNameDto, IdentifierDto, NAME_USES, SEX_CODES, TELECOM_SYSTEMS } from './dto/demographics.dto.js';

/**
 * The fast check against class-validator, the definition. Inputs are generated at every
 * boundary of every rule of DemographicsDto; for each:
 *  - fast accepts ⇒ class-validator accepts (soundness: the fast path never lets a bad row in);
 *  - class-validator accepts ∧ fast refuses ⇒ the input is one of the documented conservative
 *    kinds (tagged by the generator), so a rule loosened in the DTO but not in the fast check
 *    (a dead fast path for some valid rows) fails here too.
 */

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };
/** class-validator as validateDemographics runs it (which answers 'must be an object' to a non-object first). */
const classValidatorAccepts = (x: unknown): boolean =>
  !!x && typeof x === 'object' && !Array.isArray(x) && validateSync(plainToInstance(DemographicsDto, x), OPTIONS).length === 0;

/** validateDemographics as it was before the fast check (the reference for errors). */
function referenceValidate(plain: unknown) {
  if (!plain || typeof plain !== 'object' || Array.isArray(plain)) return { errors: [{ field: 'demographics', messages: ['must be an object'] }] };
  const deep = nestingErrors(plain);
  if (deep.length > 0) return { errors: deep };
  const nul = unstorableCharacterErrors(plain);
  if (nul.length > 0) return { errors: nul };
  const dto = plainToInstance(DemographicsDto, plain);
  const errors = flattenValidationErrors(validateSync(dto, OPTIONS));
  return errors.length ? { errors } : { value: dto, errors };
}

const SSN = 'urn:oid:2.16.840.1.113883.4.1';
const ASTRAL = '\u{1D49C}'; // 𝒜, two UTF-16 code units, one character for MaxLength
const VS = '\uFE0F';

interface Case {
  x: unknown;
  /** class-validator may accept it although the fast check refuses (module comment of the fast check). */
  conservative?: boolean;
  what: string;
}

function base(): Record<string, unknown> {
  return {
    name: [{ family: 'Nguyen', given: ['Thi', 'Mai'], prefix: ['Dr'], suffix: ['Jr'], use: 'official' }, { family: 'Tran', use: 'maiden' }],
    birthDate: '1984-03-07',
    sex: 'female',
    address: [{ line: ['12 Main St', 'Apt 4'], city: 'Madison', state: 'WI', postalCode: '53703', country: 'US' }],
    telecom: [{ system: 'phone', value: '608-555-0101' }, { system: 'email', value: 'a@example.org' }],
    identifiers: [{ system: SSN, value: '123-45-6789' }],
    mothersMaidenName: 'Tran',
  };
}

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Strings around a MaxLength(max), counted as validator.js counts (astral characters, variation selectors). */
function lengthEdges(max: number): string[] {
  return [
    'x'.repeat(max), 'x'.repeat(max + 1), 'x'.repeat(max - 1),
    ASTRAL.repeat(max), ASTRAL.repeat(max + 1), 'x'.repeat(max - 1) + ASTRAL,
    `a${VS}`.repeat(max), `a${VS}`.repeat(max + 1), VS.repeat(max), VS.repeat(max + 1),
    `${ASTRAL}${VS}`.repeat(max), `${ASTRAL}${VS}`.repeat(max + 1),
    '\uD800'.repeat(max), '\uD800'.repeat(max + 1), '\uDC00\uD800'.repeat(Math.ceil(max / 2) + 1),
    'é'.repeat(max), 'é'.repeat(max + 1),
  ];
}

/** Random strings of code units that the length rules treat specially, near `max` characters. */
function randomTricky(r: () => number, max: number): string {
  const units = ['a', ' ', 'é', '\uD835', '\uDC9C', VS, '\uFE0E', '\n'];
  const n = Math.max(0, max - 3 + Math.floor(r() * (max + 6)));
  let s = '';
  for (let i = 0; i < n; i++) s += units[Math.floor(r() * units.length)];
  return s;
}

const WRONG_TYPES: Case[] = [
  { x: 5, what: 'number' }, { x: 0, what: 'zero' }, { x: true, what: 'boolean' }, { x: {}, what: 'object' },
  { x: [], what: 'empty array' }, { x: ['a'], what: 'array' }, { x: NaN, what: 'NaN' }, { x: new Date(0), what: 'Date' },
  { x: null, what: 'null' }, { x: undefined, what: 'undefined' },
];

function stringCases(max: number, r: () => number): Case[] {
  const out: Case[] = [
    { x: '', what: 'empty' }, { x: ' ', what: 'space' }, { x: '\t\n', what: 'whitespace' }, { x: 'a', what: 'a' },
    { x: new String('a'), what: 'String object' },
    ...lengthEdges(max).map((x) => ({ x, what: `length ${x.length}` })),
  ];
  for (let i = 0; i < 6; i++) {
    const x = randomTricky(r, max);
    out.push({ x, what: `tricky ${x.length}` });
  }
  return out;
}

function stringArrayCases(maxItems: number, maxLength: number, r: () => number): Case[] {
  const holey = ['a'];
  holey[2] = 'b';
  return [
    { x: [], what: 'empty array' }, { x: Array(maxItems).fill('a'), what: 'max items' }, { x: Array(maxItems + 1).fill('a'), what: 'max+1 items' },
    { x: [5], what: 'number item' }, { x: [null], what: 'null item' }, { x: [undefined], what: 'undefined item' }, { x: [['a']], what: 'nested array' },
    { x: [{}], what: 'object item' }, { x: 'a', what: 'bare string' }, { x: { 0: 'a', length: 1 }, what: 'array-like' },
    { x: holey, what: 'holes', conservative: true }, { x: [new String('a')], what: 'String object item' },
    ...stringCases(maxLength, r).map((c) => ({ ...c, x: [c.x], what: `[${c.what}]` })),
    ...stringCases(maxLength, r).map((c) => ({ ...c, x: ['ok', c.x], what: `['ok', ${c.what}]` })),
    ...WRONG_TYPES,
  ];
}

const enumCases = (list: readonly string[]): Case[] => [
  ...list.map((x): Case => ({ x, what: x })),
  ...list.map((x) => ({ x: x.toUpperCase(), what: x.toUpperCase() })),
  ...list.map((x) => ({ x: `${x} `, what: `${x} + space` })),
  { x: '', what: 'empty' }, { x: 'M', what: 'M' }, { x: new String(list[0]), what: 'String object' },
  ...WRONG_TYPES,
];

function dateCases(now: number): Case[] {
  const day = 86_400_000;
  return [
    '1984-03-07', '2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '1852-02-29', '1849-12-31', '1850-01-01', '1850-01-00',
    isoDay(now), isoDay(now + day), isoDay(now + 2 * day), isoDay(now - day), '2999-01-01', '1984-13-01', '1984-00-10', '1984-01-32',
    '1984-04-31', '1984-3-7', '19840307', ' 1984-03-07', '1984-03-07 ', '1984-03-07\n', '1984-03-07T00:00:00Z', '\uFF11984-03-07',
    '0050-01-01', '+01984-03-07', '', 'today',
  ].map((x): Case => ({ x, what: x })).concat(WRONG_TYPES);
}

const POSTAL: Case[] = [
  '53703', 'A', '0', 'SW1A 1AA', '53703-1234', 'A'.repeat(20), 'A'.repeat(21), ' 5', '5 ', '-5', '5-', '5--', '', ' ', '5370\n', 'ñ123', '123_45', '12.3',
  `5${ASTRAL}`, 'a'.repeat(19) + ' ',
].map((x): Case => ({ x, what: x })).concat(WRONG_TYPES);

const SYSTEMS: Case[] = [
  SSN, 'urn:oid:1.2', 'urn:oid:2.0', 'urn:oid:3.1', 'urn:oid:1', 'urn:oid:1.02', 'urn:oid:1.2.', `urn:uuid:${'a'.repeat(8)}-${'b'.repeat(4)}-${'c'.repeat(4)}-${'d'.repeat(4)}-${'e'.repeat(12)}`,
  `urn:uuid:${'a'.repeat(35)}`, `urn:uuid:${'g'.repeat(36)}`, 'http://x', 'https://example.org/ids', 'https://a b', 'http://a|b', 'http://', 'ftp://x', 'urn:x:y', 'urn:-x:y',
  `urn:${'a'.repeat(32)}:y`, `urn:${'a'.repeat(33)}:y`, 'urn:x:', `http://${'a'.repeat(293)}`, `http://${'a'.repeat(294)}`, `http://${ASTRAL.repeat(293)}`, ` ${SSN}`, `${SSN}\n`, '',
].map((x): Case => ({ x, what: x.slice(0, 40) })).concat(WRONG_TYPES);

const IDENTIFIER_VALUES = (r: () => number): Case[] =>
  ['a', ' a', 'a ', 'a b', 'a\nb', 'a\tb', '\u00A0a', 'a\u2028b', '\u3000', '-', ...lengthEdges(100)]
    .map((x): Case => ({ x, what: x.slice(0, 20) }))
    .concat(stringCases(100, r), WRONG_TYPES);

const NAME_FAMILIES: Case[] = ['---', '  ', "O'Brien", '١٢٣', 'Ω', ASTRAL, '\u0301', '_', '9'].map((x): Case => ({ x, what: x }));

type Field = { path: Array<string | number>; cases: Case[] };

function fields(r: () => number, now: number): Field[] {
  const unknownKeys = (path: Array<string | number>): Field[] => [
    { path: [...path, 'shoeSize'], cases: [{ x: 42, what: 'unknown key' }, { x: undefined, what: 'unknown key, undefined' }, { x: null, what: 'unknown key, null' }] },
    { path: [...path, ''], cases: [{ x: 'x', what: 'empty key' }] },
    { path: [...path, 'toString'], cases: [{ x: 'x', what: 'Object.prototype key', conservative: true }] },
    { path: [...path, 'constructor'], cases: [{ x: 'x', what: 'constructor key', conservative: true }] },
  ];
  const name = (i: number): Field[] => [
    { path: ['name', i, 'family'], cases: [...stringCases(100, r), ...NAME_FAMILIES, ...WRONG_TYPES] },
    { path: ['name', i, 'given'], cases: [...stringArrayCases(5, 100, r), ...NAME_FAMILIES.map((c) => ({ ...c, x: [c.x] }))] },
    { path: ['name', i, 'prefix'], cases: stringArrayCases(5, 30, r) },
    { path: ['name', i, 'suffix'], cases: stringArrayCases(5, 30, r) },
    { path: ['name', i, 'use'], cases: enumCases(NAME_USES) },
    ...unknownKeys(['name', i]),
  ];
  const nested = (path: string, max: number, valid: () => unknown): Field => ({
    path: [path],
    cases: [
      { x: [], what: 'empty' }, { x: Array.from({ length: max }, valid), what: 'max' }, { x: Array.from({ length: max + 1 }, valid), what: 'max+1' },
      { x: valid(), what: 'object, not array' }, { x: [null], what: '[null]' }, { x: ['x'], what: "['x']" }, { x: [[]], what: '[[]]', conservative: true }, { x: [5], what: '[5]' },
      { x: [valid(), undefined], what: 'undefined member', conservative: true }, { x: [Object.assign(Object.create(null), valid())], what: 'null-prototype member', conservative: true },
      ...WRONG_TYPES,
    ],
  });
  return [
    ...name(0), ...name(1),
    {
      path: ['name'],
      cases: [
        { x: [], what: 'no names' }, { x: Array.from({ length: 10 }, () => ({ family: 'A' })), what: '10 names' }, { x: Array.from({ length: 11 }, () => ({ family: 'A' })), what: '11 names' },
        { x: [{}], what: 'one empty name' }, { x: [{ family: '' }], what: 'blank family' }, { x: [{ family: ' ', given: [' ', '--'] }], what: 'no letters' },
        { x: [{ family: '-' }, { given: ['', 'Al'] }], what: 'second usable' }, { x: [{ given: ['Al'] }], what: 'given only' }, { x: [{ family: null, given: ['Al'] }], what: 'null family' },
        { x: [{ use: 'official' }, { family: 'Lee' }], what: 'use only, then usable' }, { x: [{ family: 'Lee' }, null], what: '[ok, null]' }, { x: [{ family: 'Lee' }, 'Lee'], what: "[ok, 'Lee']" },
        { x: [{ family: 'Lee' }, undefined], what: '[ok, undefined]', conservative: true }, { x: { family: 'Lee' }, what: 'object, not array' },
        { x: [{ family: 'Lee' }, [{ family: 'Lee' }]], what: 'nested array', conservative: true },
        ...WRONG_TYPES,
      ],
    },
    { path: ['birthDate'], cases: dateCases(now) },
    { path: ['sex'], cases: enumCases(SEX_CODES) },
    { path: ['mothersMaidenName'], cases: [...stringCases(100, r), ...WRONG_TYPES] },
    nested('address', 10, () => ({ city: 'X' })),
    { path: ['address', 0, 'line'], cases: stringArrayCases(4, 200, r) },
    { path: ['address', 0, 'city'], cases: [...stringCases(100, r), ...WRONG_TYPES] },
    { path: ['address', 0, 'state'], cases: [...stringCases(50, r), ...WRONG_TYPES] },
    { path: ['address', 0, 'postalCode'], cases: POSTAL },
    { path: ['address', 0, 'country'], cases: [...stringCases(60, r), ...WRONG_TYPES] },
    ...unknownKeys(['address', 0]),
    nested('telecom', 20, () => ({ system: 'phone', value: '1' })),
    { path: ['telecom', 1, 'system'], cases: enumCases(TELECOM_SYSTEMS) },
    { path: ['telecom', 1, 'value'], cases: [...stringCases(200, r), ...WRONG_TYPES] },
    ...unknownKeys(['telecom', 1]),
    nested('identifiers', 20, () => ({ system: SSN, value: '1' })),
    { path: ['identifiers', 0, 'system'], cases: SYSTEMS },
    { path: ['identifiers', 0, 'value'], cases: IDENTIFIER_VALUES(r) },
    ...unknownKeys(['identifiers', 0]),
    ...unknownKeys([]),
  ];
}

const DELETE = Symbol('delete');

function setAt(o: Record<string, unknown>, path: Array<string | number>, v: unknown): void {
  let cur = o as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') return; // an earlier change replaced the parent
    cur = cur[k] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (v === DELETE) delete cur[last];
  else cur[last] = v;
}

/** A deep copy that keeps String objects, holes, undefined members and null prototypes as they are. */
function clone<T>(v: T): T {
  if (Array.isArray(v)) {
    const a: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) a[i] = clone(v[i]);
    return a as T;
  }
  if (v && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const o = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
    for (const k of Object.keys(v)) o[k] = clone((v as Record<string, unknown>)[k]);
    return o as T;
  }
  return v;
}

/** Every case of every field alone on the valid base, its deletion, then seeded random combinations of 2 to 4. */
function* generated(seed: number, now: number): Generator<Case> {
  const r = seededRandom(seed);
  const fs = fields(r, now);
  yield { x: base(), what: 'base' };
  for (const f of fs) {
    const del = base();
    setAt(del, f.path, DELETE);
    yield { x: del, what: `${f.path.join('.')} deleted` };
    for (const c of f.cases) {
      const x = base();
      setAt(x, f.path, clone(c.x));
      yield { ...c, x, what: `${f.path.join('.')}: ${c.what}` };
    }
  }
  // Combinations of the other cases only, so that no conservative case hides a divergence.
  const strict = fs.map((f) => ({ path: f.path, cases: f.cases.filter((c) => !c.conservative) })).filter((f) => f.cases.length > 0);
  for (let i = 0; i < 4000; i++) {
    const x = base();
    if (r() < 0.3) for (const k of ['address', 'telecom', 'identifiers', 'birthDate', 'sex', 'mothersMaidenName']) if (r() < 0.5) delete x[k];
    const what: string[] = [];
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) {
      const f = strict[Math.floor(r() * strict.length)];
      const c = f.cases[Math.floor(r() * f.cases.length)];
      setAt(x, f.path, clone(c.x));
      what.push(`${f.path.join('.')}: ${c.what}`);
    }
    yield { x, what: what.join('; ') };
  }
  // NUL characters, for validateDemographics (the fast check itself does not look for them).
  for (const path of [['name', 0, 'family'], ['name', 0, 'given'], ['address', 0, 'postalCode'], ['identifiers', 0, 'value'], ['telecom', 0, 'value']]) {
    const x = base();
    setAt(x, path, path[2] === 'given' ? ['A\u0000'] : 'A\u0000');
    yield { x, what: `${path.join('.')}: NUL` };
  }
  // Not an object at the top.
  for (const c of [...WRONG_TYPES, { x: 'name', what: 'string' }, { x: Object.assign(Object.create(null), base()), what: 'null prototype', conservative: true }]) {
    yield { ...c, what: `top: ${c.what}` };
  }
  yield { x: JSON.parse('{"name":[{"family":"Lee"}],"__proto__":{"sex":"male"}}'), what: '__proto__ key', conservative: true };
  yield { x: JSON.parse('{"name":[{"family":"Lee","__proto__":{}}]}'), what: 'nested __proto__ key', conservative: true };
}

// A few "today"s: an ordinary day, the day before a Feb 29 (today+1 is Feb 29), Dec 31, a
// moment just before midnight UTC, and the real clock.
const CLOCKS = ['2026-06-15T12:00:00Z', '2028-02-28T08:00:00Z', '2027-12-31T23:59:59.900Z', null];

/**
 * The rules of DemographicsDto and its nested DTOs as class-validator holds them, as
 * demographics.fast-check.ts mirrors them. A change of the DTOs changes this list: make the
 * same change in the fast check (its differential test below checks the result), then here.
 */
const MIRRORED_RULES = [
  'AddressDto.city isOptional',
  'AddressDto.city isString',
  'AddressDto.city maxLength 100',
  'AddressDto.country isOptional',
  'AddressDto.country isString',
  'AddressDto.country maxLength 60',
  'AddressDto.line arrayMaxSize 4',
  'AddressDto.line isArray',
  'AddressDto.line isOptional',
  'AddressDto.line isString[each]',
  'AddressDto.line maxLength[each] 200',
  'AddressDto.postalCode isOptional',
  'AddressDto.postalCode isString',
  'AddressDto.postalCode matches /^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$/',
  'AddressDto.state isOptional',
  'AddressDto.state isString',
  'AddressDto.state maxLength 50',
  'ContactPointDto.system isIn ["phone","email","fax","sms","pager","url","other"]',
  'ContactPointDto.value isNotEmpty',
  'ContactPointDto.value isString',
  'ContactPointDto.value maxLength 200',
  'DemographicsDto.address arrayMaxSize 10',
  'DemographicsDto.address isArray',
  'DemographicsDto.address isOptional',
  'DemographicsDto.address nestedValidation[each]',
  'DemographicsDto.birthDate isOptional',
  'DemographicsDto.birthDate isPastCalendarDate',
  'DemographicsDto.identifiers arrayMaxSize 20',
  'DemographicsDto.identifiers isArray',
  'DemographicsDto.identifiers isOptional',
  'DemographicsDto.identifiers nestedValidation[each]',
  'DemographicsDto.mothersMaidenName isOptional',
  'DemographicsDto.mothersMaidenName isString',
  'DemographicsDto.mothersMaidenName maxLength 100',
  'DemographicsDto.name arrayMaxSize 10',
  'DemographicsDto.name arrayMinSize 1',
  'DemographicsDto.name hasUsableName',
  'DemographicsDto.name isArray',
  'DemographicsDto.name nestedValidation[each]',
  'DemographicsDto.sex isIn ["male","female","other","unknown"]',
  'DemographicsDto.sex isOptional',
  'DemographicsDto.telecom arrayMaxSize 20',
  'DemographicsDto.telecom isArray',
  'DemographicsDto.telecom isOptional',
  'DemographicsDto.telecom nestedValidation[each]',
  'HumanNameDto.family isOptional',
  'HumanNameDto.family isString',
  'HumanNameDto.family maxLength 100',
  'HumanNameDto.given arrayMaxSize 5',
  'HumanNameDto.given isArray',
  'HumanNameDto.given isOptional',
  'HumanNameDto.given isString[each]',
  'HumanNameDto.given maxLength[each] 100',
  'HumanNameDto.prefix arrayMaxSize 5',
  'HumanNameDto.prefix isArray',
  'HumanNameDto.prefix isOptional',
  'HumanNameDto.prefix isString[each]',
  'HumanNameDto.prefix maxLength[each] 30',
  'HumanNameDto.suffix arrayMaxSize 5',
  'HumanNameDto.suffix isArray',
  'HumanNameDto.suffix isOptional',
  'HumanNameDto.suffix isString[each]',
  'HumanNameDto.suffix maxLength[each] 30',
  'HumanNameDto.use isIn ["official","usual","nickname","maiden","old","anonymous","temp"]',
  'HumanNameDto.use isOptional',
  'IdentifierDto.system isString',
  'IdentifierDto.system matches /^(urn:oid:[0-2](\\.(0|[1-9]\\d*))+|urn:uuid:[0-9a-fA-F-]{36}|https?:\\/\\/[^\\s|]+|urn:[a-zA-Z0-9][a-zA-Z0-9-]{0,31}:[^\\s|]+)$/',
  'IdentifierDto.system maxLength 300',
  'IdentifierDto.value isNotEmpty',
  'IdentifierDto.value isString',
  'IdentifierDto.value matches /^\\S(.*\\S)?$/',
  'IdentifierDto.value maxLength 100',
];

function dtoRules(): string[] {
  const out: string[] = [];
  for (const c of [DemographicsDto, HumanNameDto, AddressDto, ContactPointDto, IdentifierDto]) {
    for (const m of getMetadataStorage().getTargetValidationMetadatas(c, '', true, false)) {
      const cs = ((m.constraints ?? []) as unknown[]).filter((x) => typeof x !== 'function' && x !== undefined).map((x) => (x instanceof RegExp ? String(x) : JSON.stringify(x)));
      out.push(`${c.name}.${m.propertyName} ${m.name ?? m.type}${m.each ? '[each]' : ''}${cs.length ? ` ${cs.join(' ')}` : ''}`);
    }
  }
  return out.sort();
}

describe('DemographicsDto', () => {
  it('has exactly the rules the fast check mirrors (change demographics.fast-check.ts with it)', () => {
    expect(dtoRules()).toEqual(MIRRORED_RULES);
  });
});

describe('acceptsDemographics (the fast check) against class-validator', () => {
  afterEach(() => vi.useRealTimers());

  for (const [i, clock] of CLOCKS.entries()) {
    it(`never accepts what class-validator refuses, and refuses what it accepts only for the documented kinds (clock ${clock ?? 'real'})`, () => {
      if (clock) {
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(new Date(clock));
      }
      const now = Date.now();
      let n = 0;
      let fastYes = 0;
      let cvYes = 0;
      const unsound: string[] = [];
      const missed: string[] = [];
      for (const c of generated(1000 + i, now)) {
        n++;
        const fast = acceptsDemographics(c.x);
        const cv = classValidatorAccepts(c.x);
        if (fast) fastYes++;
        if (cv) cvYes++;
        if (fast && !cv) unsound.push(c.what);
        if (cv && !fast && !c.conservative) missed.push(c.what);
      }
      expect(unsound).toEqual([]);
      expect(missed).toEqual([]);
      // The corpus has both outcomes in quantity (else it would test nothing).
      expect(n).toBeGreaterThan(5000);
      expect(fastYes).toBeGreaterThan(n * 0.15);
      expect(n - cvYes).toBeGreaterThan(n * 0.3);
    });
  }

  it('validateDemographics answers exactly as before the fast check: same errors, same toDemographics of the value', () => {
    for (const c of generated(7, Date.now())) {
      const now = validateDemographics(c.x);
      const before = referenceValidate(c.x);
      expect(now.errors, c.what).toEqual(before.errors);
      if (before.value) expect(toDemographics(now.value!), c.what).toEqual(toDemographics(before.value));
    }
  });

  it('counts MaxLength as validator.js does (astral characters and variation selectors)', () => {
    const r = seededRandom(3);
    const isLength = (s: string) => s.length - (s.match(/[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g) ?? []).length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g) ?? []).length;
    for (let i = 0; i < 3000; i++) {
      const s = randomTricky(r, 1 + Math.floor(r() * 12));
      expect(validatorLength(s), JSON.stringify(s)).toBe(isLength(s));
    }
    expect(validatorLength(ASTRAL.repeat(3))).toBe(3);
    expect(validatorLength(`a${VS}b`)).toBe(2);
    expect(validatorLength(`${ASTRAL}${VS}`)).toBe(1);
  });
});

describe('the fast check on realistic valid rows (the fast path must not silently go dead)', () => {
  const share = (rows: unknown[]) => {
    let cv = 0;
    let both = 0;
    for (const d of rows) {
      const ok = classValidatorAccepts(d);
      const fast = acceptsDemographics(d);
      expect(fast && !ok).toBe(false);
      if (ok) cv++;
      if (ok && fast) both++;
    }
    return { cv, both };
  };

  it('accepts the synthetic batch rows (CSV mapping and NDJSON) that class-validator accepts', () => {
    const cols = [...SYNTHETIC_COLUMNS];
    const rows: unknown[] = [];
    for (const row of syntheticPatients(5000, { seed: 5 })) {
      const parsed = csvRowToRecord(cols, cols.map((c) => (c === 'localId' ? row.localId : (row.fields[c] ?? ''))));
      rows.push(parsed.demographics, ndjsonLineToRecord(JSON.stringify({ localId: row.localId, demographics: parsed.demographics })).demographics);
    }
    const { cv, both } = share(rows);
    expect(cv).toBeGreaterThan(rows.length * 0.99);
    expect(both).toBeGreaterThanOrEqual(cv * 0.99);
  });

  it('accepts the FEBRL rows (as bench:accuracy and the batch bench send them) that class-validator accepts', () => {
    const rows = ['dataset3.csv', 'dataset4a.csv'].flatMap((f) => readFebrl(febrlDirectory(), f, 'x').map((r) => JSON.parse(JSON.stringify(r.demographics)) as unknown));
    const { cv, both } = share(rows);
    expect(cv).toBeGreaterThan(rows.length * 0.9);
    expect(both).toBeGreaterThanOrEqual(cv * 0.99);
  });
});
