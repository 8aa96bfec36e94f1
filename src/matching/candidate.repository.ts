import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NormalizedRecord } from './engine/index.js';
import { blockingIndexIncomplete } from './blocking-index.repository.js';
import { type Term, termKey } from './term-frequency.repository.js';

export interface CandidateRow {
  recordId: string;
  organizationId: string;
  normalized: NormalizedRecord;
  personId: string;
  linkMethod: string;
  /** The record waits for review: its automatic decision was review and nothing linked it since (link reason 'review-pending'). */
  waiting: boolean;
}

/** A candidate statement's result row: one per candidate (or one all-null row), with the extras on every row. */
export type CandidateResultRow = { [K in keyof CandidateRow]: CandidateRow[K] | null } & {
  oversized: string[] | null;
  tf: Array<[string, string, number]> | null;
  /** The blocking keys are complete (`blocking_index_state`), in the statement's own snapshot. */
  indexComplete: boolean;
};

/**
 * The candidate statement in parts, its parameters numbered from `$first`: blocking keys
 * (text[]), each key's block-size cap (int[], `blockCaps`: a block of more records is skipped
 * and named in `oversized`), the record id to leave out (uuid or null), the term fields and
 * values (text[] each). `skipWhen`, an SQL condition, skips the lookups when
 * true (a caller that finds the record already stored). The statement is
 * `WITH ${ctes} SELECT ${columns} FROM (SELECT 1) one ${join}`, and callers that put more
 * in the same round trip (the feed) add their own CTEs and columns around these.
 *
 * Every lookup is a LATERAL index probe (LIMIT 1 keeps the planner from flattening it into a
 * join), so the plan is right whatever the parameters: the statement runs as a prepared
 * statement with a generic plan, which would otherwise hash-join whole tables. The record
 * probe filters on status outside its LIMIT 1, so its only usable index is the primary key:
 * with `status = 'active'` inside, a generic plan made while the table was small took the
 * partial index ix_source_record_ssn (WHERE status = 'active') and scanned all of it for each
 * candidate, a cost that grew with the index.
 */
export function candidateStatementParts(first: number, skipWhen = 'false'): { ctes: string; columns: string; join: string } {
  const [keys, caps, exclude, fields, values] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return {
    ctes: `hits AS (
         SELECT k.key, k.cap, b.record_id FROM unnest(${keys}::text[], ${caps}::int[]) AS k(key, cap)
         CROSS JOIN LATERAL (SELECT record_id FROM blocking_key WHERE key = k.key LIMIT k.cap + 1) b
         WHERE NOT (${skipWhen})),
       sizes AS (SELECT key, min(cap) AS cap, count(*) AS n FROM hits GROUP BY key),
       ids AS (
         SELECT DISTINCT h.record_id FROM hits h JOIN sizes s ON s.key = h.key
         WHERE s.n <= s.cap AND h.record_id IS DISTINCT FROM ${exclude}::uuid)`,
    // The incoming record's name frequencies ride along in the same round trip.
    columns: `c.*,
              EXISTS (SELECT 1 FROM blocking_index_state) AS "indexComplete",
              (SELECT array_agg(key) FROM sizes WHERE n > cap) AS oversized,
              (SELECT json_agg(json_build_array(q.field, q.value, t.n)) FROM unnest(${fields}::text[], ${values}::text[]) AS q(field, value)
                 CROSS JOIN LATERAL (SELECT n FROM term_frequency t WHERE t.field = q.field AND t.value = q.value LIMIT 1) t
               WHERE NOT (${skipWhen})) AS tf`,
    join: `LEFT JOIN LATERAL (
         SELECT r.id AS "recordId", r.organization_id AS "organizationId", r.normalized,
                l.person_id AS "personId", l.method AS "linkMethod",
                EXISTS (SELECT 1 FROM record_link w WHERE w.record_id = r.id AND w.method = 'auto' AND w.reason = 'review-pending') AS waiting
         FROM ids
         CROSS JOIN LATERAL (SELECT id, organization_id, normalized, status FROM source_record WHERE id = ids.record_id LIMIT 1) r
         CROSS JOIN LATERAL (SELECT person_id, method FROM record_link WHERE record_id = r.id LIMIT 1) l
         WHERE r.status = 'active') c ON true`,
  };
}

/** The parameters of `candidateStatementParts`, in order. */
export function candidateStatementParams(keys: string[], caps: number[], excludeRecordId: string | null, terms: Term[]): unknown[] {
  return [keys, caps, excludeRecordId, terms.map((t) => t.field), terms.map((t) => t.value)];
}

/**
 * Candidates, oversized keys and term counts from a candidate statement's rows. Throws
 * `BLOCKING_INDEX_REBUILDING` (503) when the keys were incomplete: no candidates is then no answer.
 */
export function candidatesOf(rows: CandidateResultRow[]): { candidates: CandidateRow[]; oversizedKeys: string[]; termCounts: Map<string, number> } {
  if (rows[0] && !rows[0].indexComplete) throw blockingIndexIncomplete();
  const oversizedKeys = rows[0]?.oversized ?? [];
  const termCounts = new Map((rows[0]?.tf ?? []).map(([field, value, n]) => [termKey({ field, value }), n] as const));
  const candidates = rows.filter((r) => r.recordId !== null).map(({ recordId, organizationId, normalized, personId, linkMethod, waiting }) => ({
    recordId: recordId!, organizationId: organizationId!, normalized: normalized!, personId: personId!, linkMethod: linkMethod!, waiting: waiting!,
  }));
  return { candidates, oversizedKeys, termCounts };
}

const CANDIDATES = candidateStatementParts(1);
const CANDIDATES_SQL = `WITH ${CANDIDATES.ctes} SELECT ${CANDIDATES.columns} FROM (SELECT 1) one ${CANDIDATES.join}`;

@Injectable()
export class CandidateRepository {
  /**
   * One indexed query: every active record sharing a blocking key with the incoming one,
   * with its current person. Keys whose block holds more records than their cap (`caps`, in
   * the order of `keys`: `blockCaps`) are skipped (too common to be selective: a default birth
   * date, a clinic's phone, a common name) and reported.
   */
  async findCandidatesByBlockingKeys(
    keys: string[],
    caps: number[],
    excludeRecordId: string | null,
    m: EntityManager,
    terms: Term[] = [],
  ): Promise<{ candidates: CandidateRow[]; oversizedKeys: string[]; termCounts: Map<string, number> }> {
    if (!keys.length && !terms.length) return { candidates: [], oversizedKeys: [], termCounts: new Map() };
    const rows: CandidateResultRow[] = await m.query(CANDIDATES_SQL, candidateStatementParams(keys, caps, excludeRecordId, terms));
    return candidatesOf(rows);
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
