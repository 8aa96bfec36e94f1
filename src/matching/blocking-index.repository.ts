import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';

/** A record's id and stored normalized form (JSON text), as the rebuild reads them. */
export interface StoredNormalized {
  id: string;
  normalizedText: string;
}

/** The error a linking or searching transaction raises when the blocking keys are incomplete. */
export function blockingIndexIncomplete(): DomainError {
  return new DomainError('unavailable', 'BLOCKING_INDEX_REBUILDING', 'The matching index is being rebuilt after a database restart; try again shortly');
}

/**
 * The blocking keys' completeness marker (`blocking_index_state`, one row while every active
 * record's keys are stored) and the statements of a rebuild. Both tables are unlogged
 * (migration BlockingKeyUnlogged): a crash of the database server empties them together.
 */
@Injectable()
export class BlockingIndexRepository {
  /** True when the keys are complete, as of the statement's snapshot. */
  async isComplete(m: EntityManager): Promise<boolean> {
    const rows: Array<{ complete: boolean }> = await m.query(`SELECT EXISTS (SELECT 1 FROM blocking_index_state) AS complete`);
    return rows[0].complete;
  }

  /** Throws `BLOCKING_INDEX_REBUILDING` (503) unless the keys are complete. */
  async assertComplete(m: EntityManager): Promise<void> {
    if (!(await this.isComplete(m))) throw blockingIndexIncomplete();
  }

  /** Until the transaction ends, nobody reads or writes keys (a feed, a chunk or a steward waits). */
  async lockForRebuild(m: EntityManager): Promise<void> {
    await m.query(`LOCK TABLE blocking_key, blocking_index_state IN ACCESS EXCLUSIVE MODE`);
  }

  /** Every key (DELETE, not TRUNCATE: a transaction with an older snapshot still sees them). */
  async deleteAll(m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM blocking_key`);
  }

  /** Up to `limit` active records after `afterId`, in id order. */
  async activeRecordsAfter(afterId: string | null, limit: number, m: EntityManager): Promise<StoredNormalized[]> {
    return m.query(
      `SELECT id, normalized::text AS "normalizedText" FROM source_record
       WHERE status = 'active' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** Keys into the table `deleteAll` emptied in the same transaction: no conflict is possible (each record's keys are distinct). */
  async insertKeys(keys: string[], recordIds: string[], m: EntityManager): Promise<void> {
    if (!keys.length) return;
    await m.query(`INSERT INTO blocking_key (key, record_id) SELECT * FROM unnest($1::text[], $2::uuid[])`, [keys, recordIds]);
  }

  async markComplete(m: EntityManager): Promise<void> {
    await m.query(`INSERT INTO blocking_index_state DEFAULT VALUES ON CONFLICT (id) DO UPDATE SET rebuilt_at = now()`);
  }
}
