import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type AuditFixedFields, auditInsertSql, auditParams } from '../audit/audit-statement.js';
import { poolQuery } from '../database/pool-query.js';

/** How an identifier that is not an organization's MRN is looked up in the records' normalized form. */
export type IdentifierMatch =
  | { kind: 'ssn'; digits: string | null }
  | { kind: 'other'; system: string; value: string };

export interface LocationFilters {
  organizationId: string | null;
  connectionType: string | null;
  /** Link grades a location may have; null: any. A link without a grade counts as `certain`. */
  grades: string[] | null;
}

/** A location as the API answers it (API.md): pointers only, never demographics. */
export interface RecordLocation {
  organization: { id: string; name: string; assigningAuthority: string };
  patientIdentifier: { system: string; value: string };
  link: { method: string; grade: string; score: number | null };
  /** ISO 8601 UTC with milliseconds, as Date#toISOString writes it. */
  firstSeen: string;
  lastUpdated: string;
  endpoints: Array<{ id: string; connectionType: string; address: string; status: string }>;
}

/** Unknown, opted out, ambiguous and not permitted all answer exactly `{ personId: null, locations: [] }`. */
export interface RecordLocations {
  personId: string | null;
  locations: RecordLocation[];
}

/**
 * The locator's SQL: resolve the input to visible persons (active, not opted out), then one
 * person's active records with their organization and active endpoints in one statement.
 * Everything is read from the current tables (no cache), so an unlink, merge, retirement or
 * endpoint change shows at once. Small statements on purpose: they plan in a fraction of a
 * millisecond, which at this size costs more than running them.
 */
/**
 * One person's locations under the filters: its active records with their organization and
 * that organization's active endpoints. `person` is the SQL of the person's id; `$f1..$f3`
 * are the organization, connection-type and grades parameters.
 */
function locationsSql(person: string, org: string, connectionType: string, grades: string): string {
  return `SELECT o.id AS "organizationId", o.name AS "organizationName", o.assigning_authority AS "assigningAuthority",
                r.local_id AS "localId", l.method, coalesce(l.grade, 'certain') AS grade, l.score,
                r.created_at AS "firstSeen", r.updated_at AS "lastUpdated", ep.endpoints
         FROM record_link l
         JOIN source_record r ON r.id = l.record_id AND r.status = 'active'
         JOIN organization o ON o.id = r.organization_id AND o.status = 'active'
         CROSS JOIN LATERAL (
           SELECT coalesce(json_agg(json_build_object('id', e.id, 'connectionType', e.connection_type, 'address', e.address,
                    'status', e.status) ORDER BY e.id), '[]'::json) AS endpoints, count(*) AS n
           FROM endpoint e
           WHERE e.organization_id = o.id AND e.status = 'active' AND (${connectionType}::text IS NULL OR e.connection_type = ${connectionType})) ep
         WHERE l.person_id = ${person}
           AND (${org}::text IS NULL OR o.id = ${org})
           AND (${grades}::text[] IS NULL OR coalesce(l.grade, 'certain') = ANY(${grades}::text[]))
           AND (${connectionType}::text IS NULL OR ep.n > 0)`;
}

/**
 * The one statement of a lookup: `persons` (a CTE the caller defines) are the visible persons
 * the input names; when it names exactly one, that person's locations; and the audit event,
 * whose outcome, disclosed persons and result count come from those rows. Filters are
 * parameters `$f`..`$f+2`, the audit event's fixed fields the eight after them.
 */
function locateSql(personsCte: string, f: number): string {
  const audit = auditInsertSql(
    f + 3,
    {
      outcome: `CASE WHEN resolved.n > 1 THEN 'denied' ELSE 'success' END`,
      personIds: `CASE WHEN resolved.n = 1 THEN ARRAY[resolved.id::text] ELSE '{}'::text[] END`,
      resultCount: `(SELECT count(*)::int FROM loc)`,
      details: `jsonb_build_object('resolution', CASE WHEN resolved.n = 1 THEN 'found' WHEN resolved.n > 1 THEN 'ambiguous' ELSE 'not-found' END)`,
    },
    'resolved',
  );
  return `
    WITH ${personsCte},
    resolved AS (SELECT count(*)::int AS n, (array_agg(id))[1] AS id FROM persons),
    loc AS MATERIALIZED (
      SELECT l.* FROM resolved CROSS JOIN LATERAL (${locationsSql('resolved.id', `$${f}`, `$${f + 1}`, `$${f + 2}`)}) l
      WHERE resolved.n = 1),
    audit AS (${audit})
    SELECT json_build_object(
             'personId', CASE WHEN resolved.n = 1 THEN resolved.id END,
             'locations', coalesce((
               SELECT json_agg(json_build_object(
                        'organization', json_build_object('id', loc."organizationId", 'name', loc."organizationName", 'assigningAuthority', loc."assigningAuthority"),
                        'patientIdentifier', json_build_object('system', loc."assigningAuthority", 'value', loc."localId"),
                        'link', json_build_object('method', loc.method, 'grade', loc.grade, 'score', loc.score),
                        'firstSeen', ${isoTimestamp('loc."firstSeen"')},
                        'lastUpdated', ${isoTimestamp('loc."lastUpdated"')},
                        'endpoints', loc.endpoints)
                      ORDER BY loc."organizationId", loc."localId")
               FROM loc), '[]'::json)) AS answer
    FROM resolved`;
}

/**
 * A timestamptz as JavaScript's Date#toISOString writes it (UTC, milliseconds, `Z`): the
 * answer's timestamps read exactly as they did when Node turned the rows into the answer
 * (node-pg also truncated the microseconds).
 */
function isoTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The visible persons an identifier names (at most two: more than one is ambiguous anyway). */
function identifierPersonsCte(kind: IdentifierMatch['kind']): string {
  // The index finds the few records first; their persons are then read by primary key
  // (a plain join lets the planner walk every person in id order for DISTINCT ... LIMIT).
  // An MRN's record is probed by its unique key alone, its status checked after: with
  // status = 'active' in the probe, a generic plan made on empty tables scanned a partial index
  // of every active record instead (ix_source_record_ssn, filtered by the local id).
  // Another identifier's persons come from active_persons_with_identifiers (migration
  // LocatorPersonsWithIdentifiers), planned at each run with the statistics of the moment.
  const persons =
    kind === 'ssn'
      ? `SELECT DISTINCT l.person_id FROM source_record r JOIN record_link l ON l.record_id = r.id
              WHERE r.status = 'active' AND $3::text IS NOT NULL AND (r.normalized ->> 'ssn') = $3::text`
      : `SELECT active_persons_with_identifiers($3::jsonb)`;
  return `
    org AS (SELECT id FROM organization WHERE assigning_authority = $1),
    persons AS (
      SELECT p.id FROM org
        CROSS JOIN LATERAL (SELECT id, status FROM source_record WHERE organization_id = org.id AND local_id = $2 LIMIT 1) r
        JOIN record_link l ON l.record_id = r.id
        JOIN person p ON p.id = l.person_id AND p.status = 'active' AND p.consent = 'opt-in'
      WHERE r.status = 'active'
      UNION ALL
      (SELECT p.id FROM person p
        WHERE NOT EXISTS (SELECT 1 FROM org)
          AND p.id = ANY(ARRAY(${persons}))
          AND p.status = 'active' AND p.consent = 'opt-in'
        LIMIT 2))`;
}

const IDENTIFIER_SQL = { ssn: locateSql(identifierPersonsCte('ssn'), 4), other: locateSql(identifierPersonsCte('other'), 4) };

/** Persons named by id (a person lookup, or the candidates a demographic match resolved to). */
const PERSONS_SQL = locateSql(`persons AS (SELECT p.id FROM person p WHERE p.id = ANY($1::uuid[]) AND p.status = 'active' AND p.consent = 'opt-in')`, 2);

/**
 * The locator's SQL: one statement per lookup, which also writes the lookup's audit event.
 * An identifier resolves to visible persons (active, not opted out) — through an
 * organization's assigning authority as an MRN, or else through the records' normalized
 * identifiers — and, when it names exactly one, that person's locations come back in the
 * same statement, already in the answer's shape (API.md), so Node maps no rows. Everything
 * is read from the current tables (no cache), so an unlink, merge, retirement or endpoint
 * change shows at once.
 */
@Injectable()
export class LocatorRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async locateByIdentifier(system: string, value: string, match: IdentifierMatch, f: LocationFilters, audit: AuditFixedFields): Promise<RecordLocations> {
    const key = match.kind === 'ssn' ? match.digits : JSON.stringify([{ system: match.system, value: match.value }]);
    return answerOf(await poolQuery(this.dataSource, IDENTIFIER_SQL[match.kind], [system, value, key, ...filterParams(f), ...auditParams(audit)]));
  }

  /** The persons (by id) the lookup resolved to: the locations when exactly one of them is visible. */
  async locateByPersons(personIds: string[], f: LocationFilters, audit: AuditFixedFields): Promise<RecordLocations> {
    return answerOf(await poolQuery(this.dataSource, PERSONS_SQL, [personIds, ...filterParams(f), ...auditParams(audit)]));
  }
}

function filterParams(f: LocationFilters): unknown[] {
  return [f.organizationId, f.connectionType, f.grades];
}

/** A lookup's one row: its answer (one statement, outside any transaction: it commits with its audit event). */
function answerOf(rows: Array<{ answer: RecordLocations }>): RecordLocations {
  return rows[0].answer;
}
