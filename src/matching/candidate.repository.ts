import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NormalizedRecord } from './engine/index.js';
import { type Term, termKey } from './term-frequency.repository.js';

export interface CandidateRow {
  recordId: string;
  organizationId: string;
  normalized: NormalizedRecord;
  personId: string;
  linkMethod: string;
}

@Injectable()
export class CandidateRepository {
  /**
   * One indexed query: every active record sharing a blocking key with the incoming one,
   * with its current person. Keys with more than `maxBlockSize` records are skipped (too
   * common to be selective: a default birth date, a clinic's phone) and reported.
   */
  async findCandidatesByBlockingKeys(
    keys: string[],
    excludeRecordId: string | null,
    maxBlockSize: number,
    m: EntityManager,
    terms: Term[] = [],
  ): Promise<{ candidates: CandidateRow[]; oversizedKeys: string[]; termCounts: Map<string, number> }> {
    if (!keys.length && !terms.length) return { candidates: [], oversizedKeys: [], termCounts: new Map() };
    // The incoming record's name frequencies ride along in the same round trip.
    const rows: Array<CandidateRow & { oversized: string[] | null; tf: Array<[string, string, number]> | null }> = await m.query(
      // Every lookup is a LATERAL index probe (LIMIT 1 keeps the planner from flattening it
      // into a join), so the plan is right whatever the parameters: the statement runs as a
      // prepared statement with a generic plan, which would otherwise hash-join whole tables.
      // The record probe filters on status outside its LIMIT 1, so its only usable index is
      // the primary key: with `status = 'active'` inside, a generic plan made while the table
      // was small took the partial index ix_source_record_ssn (WHERE status = 'active') and
      // scanned all of it for each candidate, a cost that grew with the index.
      `WITH hits AS (
         SELECT k.key, b.record_id FROM unnest($1::text[]) AS k(key)
         CROSS JOIN LATERAL (SELECT record_id FROM blocking_key WHERE key = k.key LIMIT $2) b),
       sizes AS (SELECT key, count(*) AS n FROM hits GROUP BY key),
       ids AS (
         SELECT DISTINCT h.record_id FROM hits h JOIN sizes s ON s.key = h.key
         WHERE s.n <= $3 AND h.record_id IS DISTINCT FROM $4::uuid)
       SELECT c.*,
              (SELECT array_agg(key) FROM sizes WHERE n > $3) AS oversized,
              (SELECT json_agg(json_build_array(q.field, q.value, t.n)) FROM unnest($5::text[], $6::text[]) AS q(field, value)
                 CROSS JOIN LATERAL (SELECT n FROM term_frequency t WHERE t.field = q.field AND t.value = q.value LIMIT 1) t) AS tf
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT r.id AS "recordId", r.organization_id AS "organizationId", r.normalized,
                l.person_id AS "personId", l.method AS "linkMethod"
         FROM ids
         CROSS JOIN LATERAL (SELECT id, organization_id, normalized, status FROM source_record WHERE id = ids.record_id LIMIT 1) r
         CROSS JOIN LATERAL (SELECT person_id, method FROM record_link WHERE record_id = r.id LIMIT 1) l
         WHERE r.status = 'active') c ON true`,
      [keys, maxBlockSize + 1, maxBlockSize, excludeRecordId, terms.map((t) => t.field), terms.map((t) => t.value)],
    );
    const oversizedKeys = rows[0]?.oversized ?? [];
    const termCounts = new Map((rows[0]?.tf ?? []).map(([field, value, n]) => [termKey({ field, value }), n] as const));
    const candidates = rows.filter((r) => r.recordId !== null).map(({ oversized: _o, tf: _t, ...c }) => c);
    return { candidates, oversizedKeys, termCounts };
  }

  /** Persons a steward said are not the person of this record (via any of their records). */
  async personsAssertedDifferent(recordId: string, m: EntityManager): Promise<Set<string>> {
    const rows: Array<{ person_id: string }> = await m.query(
      `SELECT DISTINCT l.person_id FROM no_match_assertion a
       JOIN record_link l ON l.record_id = CASE WHEN a.record_a = $1 THEN a.record_b ELSE a.record_a END
       WHERE a.record_a = $1 OR a.record_b = $1`,
      [recordId],
    );
    return new Set(rows.map((r) => r.person_id));
  }
}
