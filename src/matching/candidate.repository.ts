import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NormalizedRecord } from './engine/index.js';

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
  ): Promise<{ candidates: CandidateRow[]; oversizedKeys: string[] }> {
    if (!keys.length) return { candidates: [], oversizedKeys: [] };
    const hits: Array<{ key: string; record_id: string }> = await m.query(
      `SELECT k.key, b.record_id FROM unnest($1::text[]) AS k(key)
       CROSS JOIN LATERAL (SELECT record_id FROM blocking_key WHERE key = k.key LIMIT $2) b`,
      [keys, maxBlockSize + 1],
    );
    const perKey = new Map<string, string[]>();
    for (const h of hits) perKey.set(h.key, [...(perKey.get(h.key) ?? []), h.record_id]);
    const oversizedKeys: string[] = [];
    const ids = new Set<string>();
    for (const [key, recordIds] of perKey) {
      if (recordIds.length > maxBlockSize) oversizedKeys.push(key);
      else recordIds.forEach((id) => ids.add(id));
    }
    if (excludeRecordId) ids.delete(excludeRecordId);
    if (!ids.size) return { candidates: [], oversizedKeys };
    const candidates: CandidateRow[] = await m.query(
      `SELECT r.id AS "recordId", r.organization_id AS "organizationId", r.normalized,
              l.person_id AS "personId", l.method AS "linkMethod"
       FROM source_record r JOIN record_link l ON l.record_id = r.id
       WHERE r.id = ANY($1::uuid[]) AND r.status = 'active'`,
      [[...ids]],
    );
    return { candidates, oversizedKeys };
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
