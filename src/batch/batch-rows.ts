/**
 * The rows of a batch file as the single-record feed sees them: a CSV row (API.md columns)
 * or an NDJSON line becomes `{ localId, demographics }` in the feed's demographics shape,
 * or field errors. Pure: no I/O, no framework.
 */
import { SSN_SYSTEM } from '../matching/engine/index.js';
import type { FieldError } from '../common/errors/domain-error.js';
import { NUL_MESSAGE, printableKey } from '../common/unstorable-characters.js';
import { LOCAL_ID_MESSAGE, LOCAL_ID_PATTERN } from '../identities/local-id.js';

export const CSV_COLUMNS = [
  'localId', 'family', 'given', 'middle', 'birthDate', 'sex', 'line1', 'line2', 'city', 'state', 'postalCode', 'country',
  'phone', 'email', 'ssn', 'mothersMaidenName',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
const KNOWN = new Set<string>(CSV_COLUMNS);

/**
 * A parsed CSV row or an NDJSON line as it is staged (jsonb, which cannot hold U+0000): a CSV
 * field holding a NUL is staged as null, an NDJSON line holding a raw NUL byte as null, and
 * the row is reported when its chunk runs (see csvRowToRecord, ndjsonLineToRecord).
 */
export function stageable(record: string | string[]): string | Array<string | null> | null {
  if (typeof record === 'string') return record.includes('\u0000') ? null : record;
  return record.some((f) => f.includes('\u0000')) ? record.map((f) => (f.includes('\u0000') ? null : f)) : record;
}

/** Problems of a CSV header: unknown columns, duplicates, a missing localId column. Empty when usable. */
export function csvHeaderProblems(header: string[]): FieldError[] {
  const problems: FieldError[] = [];
  const unknown = header.filter((h) => !KNOWN.has(h));
  if (unknown.length) {
    problems.push(...unknown.map((h) => ({ field: `columns.${h.slice(0, 60)}`, messages: [`unknown column; expected any of ${CSV_COLUMNS.join(', ')}`] })));
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h) && KNOWN.has(h)) problems.push({ field: `columns.${h}`, messages: ['column appears more than once'] });
    seen.add(h);
  }
  if (!header.includes('localId')) problems.push({ field: 'columns.localId', messages: ['the localId column is required'] });
  return problems;
}

export interface ParsedRow {
  localId: string | null;
  /** Plain demographics, still to be validated exactly as the feed validates a body. */
  demographics?: unknown;
  errors: FieldError[];
}

/**
 * A CSV row (fields in header order) as the feed's demographics; empty fields are absent. A
 * null field is one that held a NUL character (see stageable): the row is reported.
 */
export function csvRowToRecord(columns: readonly string[], staged: ReadonlyArray<string | null>): ParsedRow {
  const nul = columns.filter((_, i) => staged[i] === null);
  const fields = staged.map((f) => f ?? '');
  if (nul.length > 0) {
    const localId = nul.includes('localId') ? null : localIdOf(fields[columns.indexOf('localId')]);
    return { localId, errors: nul.map((c) => ({ field: c, messages: [NUL_MESSAGE] })) };
  }
  if (fields.length !== columns.length) {
    return { localId: localIdOf(fields[columns.indexOf('localId')]), errors: [{ field: 'row', messages: [`has ${fields.length} fields, the header has ${columns.length}`] }] };
  }
  const v: Partial<Record<CsvColumn, string>> = {};
  columns.forEach((c, i) => {
    const s = fields[i]?.trim();
    if (s) v[c as CsvColumn] = s;
  });
  const localId = v.localId ?? null;
  const errors = localIdErrors(localId);
  const given = [v.given, v.middle].filter((x): x is string => x !== undefined);
  const address = pick({ line: [v.line1, v.line2].filter((x): x is string => x !== undefined), city: v.city, state: v.state, postalCode: v.postalCode, country: v.country });
  const telecom = [
    ...(v.phone ? [{ system: 'phone', value: v.phone }] : []),
    ...(v.email ? [{ system: 'email', value: v.email }] : []),
  ];
  const demographics = pick({
    name: [pick({ family: v.family, given })],
    birthDate: v.birthDate,
    sex: v.sex,
    address: Object.keys(address).length ? [address] : undefined,
    telecom,
    identifiers: v.ssn ? [{ system: SSN_SYSTEM, value: v.ssn }] : undefined,
    mothersMaidenName: v.mothersMaidenName,
  });
  return { localId, demographics, errors };
}

/** An NDJSON line: `{ localId, demographics }`; null is a line that held a raw NUL byte (see stageable). */
export function ndjsonLineToRecord(line: string | null): ParsedRow {
  if (line === null) return { localId: null, errors: [{ field: 'row', messages: [NUL_MESSAGE] }] };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { localId: null, errors: [{ field: 'row', messages: ['is not valid JSON'] }] };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { localId: null, errors: [{ field: 'row', messages: ['must be a JSON object { localId, demographics }'] }] };
  }
  const { localId: raw, demographics, ...rest } = value as Record<string, unknown>;
  const localId = typeof raw === 'string' ? raw : null;
  const errors = [
    ...(typeof raw === 'string' || raw === undefined ? localIdErrors(localId) : [{ field: 'localId', messages: ['must be a string'] }]),
    ...Object.keys(rest).map((k) => ({ field: printableKey(k.slice(0, 60)), messages: ['unknown field'] })),
  ];
  if (demographics === undefined) errors.push({ field: 'demographics', messages: ['is required'] });
  return { localId: localIdOf(localId ?? undefined), demographics, errors };
}

function localIdErrors(localId: string | null): FieldError[] {
  if (localId === null) return [{ field: 'localId', messages: ['is required'] }];
  return LOCAL_ID_PATTERN.test(localId) ? [] : [{ field: 'localId', messages: [LOCAL_ID_MESSAGE] }];
}

/** A local id fit to appear in the error report (it is the organization's key, not PHI). */
function localIdOf(s: string | undefined): string | null {
  return s !== undefined && LOCAL_ID_PATTERN.test(s.trim()) ? s.trim() : null;
}

/** The object without undefined members and empty arrays (the feed's body never has them). */
function pick<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0))) as Partial<T>;
}
