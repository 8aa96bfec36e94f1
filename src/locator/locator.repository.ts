import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

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

export interface LocationRow {
  organizationId: string;
  organizationName: string;
  assigningAuthority: string;
  localId: string;
  method: string;
  grade: string;
  score: number | null;
  firstSeen: Date;
  lastUpdated: Date;
  endpoints: Array<{ id: string; connectionType: string; address: string; status: string }>;
}

/**
 * The locator's SQL: resolve the input to visible persons (active, not opted out), then one
 * person's active records with their organization and active endpoints in one statement.
 * Everything is read from the current tables (no cache), so an unlink, merge, retirement or
 * endpoint change shows at once. Small statements on purpose: they plan in a fraction of a
 * millisecond, which at this size costs more than running them.
 */
@Injectable()
export class LocatorRepository {
  /**
   * The visible persons of the active record with local id `value` at the organization whose
   * assigning authority is `system`; null when no organization has that assigning authority.
   */
  async personsByLocalId(system: string, value: string, m: EntityManager): Promise<string[] | null> {
    const rows: Array<{ personId: string | null }> = await m.query(
      `SELECT p.id AS "personId" FROM organization o
       LEFT JOIN (source_record r
                  JOIN record_link l ON l.record_id = r.id
                  JOIN person p ON p.id = l.person_id AND p.status = 'active' AND p.consent = 'opt-in')
         ON r.organization_id = o.id AND r.local_id = $2 AND r.status = 'active'
       WHERE o.assigning_authority = $1`,
      [system, value],
    );
    if (!rows.length) return null;
    return rows.filter((r) => r.personId !== null).map((r) => r.personId!);
  }

  /**
   * The visible persons (at most `limit`) of active records whose normalized identifiers
   * carry this one: the SSN as its digit string, other systems by containment. Both behind
   * partial expression indexes (migration AddRecordLocator).
   */
  async personsByIdentifier(match: IdentifierMatch, limit: number, m: EntityManager): Promise<string[]> {
    if (match.kind === 'ssn' && !match.digits) return [];
    const predicate = match.kind === 'ssn' ? `(r.normalized ->> 'ssn') = $1::text` : `(r.normalized -> 'identifiers') @> $1::jsonb`;
    const rows: Array<{ personId: string }> = await m.query(
      // The index finds the few records first; their persons are then read by primary key
      // (a plain join lets the planner walk every person in id order for DISTINCT ... LIMIT).
      `SELECT p.id AS "personId" FROM person p
       WHERE p.id = ANY(ARRAY(
           SELECT DISTINCT l.person_id FROM source_record r JOIN record_link l ON l.record_id = r.id
           WHERE r.status = 'active' AND ${predicate}))
         AND p.status = 'active' AND p.consent = 'opt-in'
       LIMIT $2`,
      [match.kind === 'ssn' ? match.digits : JSON.stringify([{ system: match.system, value: match.value }]), limit],
    );
    return rows.map((r) => r.personId);
  }

  /** Whether the person is visible, and its locations under the filters (one statement). */
  async locationsOf(personId: string, f: LocationFilters, m: EntityManager): Promise<{ visible: boolean; locations: LocationRow[] }> {
    const rows: Array<LocationRow | { organizationId: null }> = await m.query(
      `SELECT loc.* FROM person p
       LEFT JOIN LATERAL (
         SELECT o.id AS "organizationId", o.name AS "organizationName", o.assigning_authority AS "assigningAuthority",
                r.local_id AS "localId", l.method, coalesce(l.grade, 'certain') AS grade, l.score,
                r.created_at AS "firstSeen", r.updated_at AS "lastUpdated", ep.endpoints
         FROM record_link l
         JOIN source_record r ON r.id = l.record_id AND r.status = 'active'
         JOIN organization o ON o.id = r.organization_id AND o.status = 'active'
         CROSS JOIN LATERAL (
           SELECT coalesce(json_agg(json_build_object('id', e.id, 'connectionType', e.connection_type, 'address', e.address,
                    'status', e.status) ORDER BY e.id), '[]'::json) AS endpoints, count(*) AS n
           FROM endpoint e
           WHERE e.organization_id = o.id AND e.status = 'active' AND ($3::text IS NULL OR e.connection_type = $3)) ep
         WHERE l.person_id = p.id
           AND ($2::text IS NULL OR o.id = $2)
           AND ($4::text[] IS NULL OR coalesce(l.grade, 'certain') = ANY($4::text[]))
           AND ($3::text IS NULL OR ep.n > 0)) loc ON true
       WHERE p.id = $1 AND p.status = 'active' AND p.consent = 'opt-in'
       ORDER BY loc."organizationId", loc."localId"`,
      [personId, f.organizationId, f.connectionType, f.grades],
    );
    return { visible: rows.length > 0, locations: rows.filter((r): r is LocationRow => r.organizationId !== null) };
  }
}
