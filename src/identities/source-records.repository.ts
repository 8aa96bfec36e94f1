import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Demographics, NormalizedRecord } from '../matching/engine/index.js';

export interface SourceRecordRow {
  id: string;
  organizationId: string;
  localId: string;
  status: 'active' | 'retired';
  demographics: Demographics;
  normalized: NormalizedRecord;
  contentHash: string;
  lastDecision: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, organization_id AS "organizationId", local_id AS "localId", status, demographics, normalized,
  content_hash AS "contentHash", last_decision AS "lastDecision", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** SQL for source records and their blocking keys. Every method runs in the caller's transaction. */
@Injectable()
export class SourceRecordsRepository {
  async findByLocalId(organizationId: string, localId: string, m: EntityManager, lock = false): Promise<SourceRecordRow | null> {
    const rows: SourceRecordRow[] = await m.query(
      `SELECT ${COLUMNS} FROM source_record WHERE organization_id = $1 AND local_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [organizationId, localId],
    );
    return rows[0] ?? null;
  }

  async findActiveByIds(ids: string[], m: EntityManager): Promise<SourceRecordRow[]> {
    if (!ids.length) return [];
    return m.query(`SELECT ${COLUMNS} FROM source_record WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids]);
  }

  /** Inserts the record with its blocking keys (one round trip). */
  async insert(
    r: Pick<SourceRecordRow, 'organizationId' | 'localId' | 'demographics' | 'normalized' | 'contentHash'>,
    keys: string[],
    m: EntityManager,
  ): Promise<string> {
    const rows: Array<{ id: string }> = await m.query(
      `WITH r AS (
         INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash)
         VALUES ($1, $2, $3, $4, $5) RETURNING id),
       k AS (INSERT INTO blocking_key (key, record_id) SELECT DISTINCT key, r.id FROM unnest($6::text[]) AS key, r)
       SELECT id FROM r`,
      [r.organizationId, r.localId, r.demographics, r.normalized, r.contentHash, keys],
    );
    return rows[0].id;
  }

  /** Replaces the demographics (and reactivates a retired record). */
  async update(id: string, r: Pick<SourceRecordRow, 'demographics' | 'normalized' | 'contentHash'>, m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE source_record SET demographics = $2, normalized = $3, content_hash = $4, status = 'active',
         retired_at = NULL, updated_at = now() WHERE id = $1`,
      [id, r.demographics, r.normalized, r.contentHash],
    );
  }

  async saveDecision(id: string, decision: object, m: EntityManager): Promise<void> {
    await m.query(`UPDATE source_record SET last_decision = $2 WHERE id = $1`, [id, decision]);
  }

  async retire(id: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE source_record SET status = 'retired', retired_at = now(), updated_at = now() WHERE id = $1`, [id]);
    await m.query(`DELETE FROM blocking_key WHERE record_id = $1`, [id]);
  }

  async blockingKeysOf(recordId: string, m: EntityManager): Promise<string[]> {
    const rows: Array<{ key: string }> = await m.query(`SELECT key FROM blocking_key WHERE record_id = $1`, [recordId]);
    return rows.map((r) => r.key);
  }

  async replaceBlockingKeys(recordId: string, keys: string[], m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM blocking_key WHERE record_id = $1`, [recordId]);
    if (keys.length) {
      await m.query(`INSERT INTO blocking_key (key, record_id) SELECT k, $2 FROM unnest($1::text[]) k ON CONFLICT DO NOTHING`, [keys, recordId]);
    }
  }

  async countActive(m: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`);
    return rows[0].n;
  }
}
