import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Consent } from './link.repository.js';
import type { NoMatchPair, StoredLink } from './stewardship.repository.js';

export interface MergeRow {
  id: string;
  survivorId: string;
  mergedId: string;
  status: 'active' | 'undone';
  movedLinks: StoredLink[];
  removedAssertions: NoMatchPair[];
  survivorConsent: Consent;
  mergedConsent: Consent;
  note: string | null;
  createdBy: string | null;
  createdAt: Date;
  undoneBy: string | null;
  undoneAt: Date | null;
}

const COLUMNS = `id, survivor_id AS "survivorId", merged_id AS "mergedId", status, moved_links AS "movedLinks",
  removed_assertions AS "removedAssertions", survivor_consent AS "survivorConsent", merged_consent AS "mergedConsent", note,
  created_by AS "createdBy", created_at AS "createdAt", undone_by AS "undoneBy", undone_at AS "undoneAt"`;

/** Merges of persons, each with the snapshot that lets it be undone exactly. */
@Injectable()
export class MergeRepository {
  async insert(
    mergeId: string,
    m: Pick<MergeRow, 'survivorId' | 'mergedId' | 'movedLinks' | 'removedAssertions' | 'survivorConsent' | 'mergedConsent' | 'note' | 'createdBy'>,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO person_merge (id, survivor_id, merged_id, moved_links, removed_assertions, survivor_consent, merged_consent, note, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [mergeId, m.survivorId, m.mergedId, JSON.stringify(m.movedLinks), JSON.stringify(m.removedAssertions), m.survivorConsent, m.mergedConsent, m.note, m.createdBy],
    );
  }

  async find(mergeId: string, em: EntityManager, lock = false): Promise<MergeRow | null> {
    const rows: MergeRow[] = await em.query(`SELECT ${COLUMNS} FROM person_merge WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [mergeId]);
    return rows[0] ?? null;
  }

  /** The active merge that folded `personId` into another person, if any. */
  async findActiveMergeOf(personId: string, em: EntityManager): Promise<MergeRow | null> {
    const rows: MergeRow[] = await em.query(`SELECT ${COLUMNS} FROM person_merge WHERE merged_id = $1 AND status = 'active'`, [personId]);
    return rows[0] ?? null;
  }

  async markUndone(mergeId: string, undoneBy: string | null, em: EntityManager): Promise<void> {
    await em.query(`UPDATE person_merge SET status = 'undone', undone_by = $2, undone_at = now() WHERE id = $1`, [mergeId, undoneBy]);
  }

  /** Merges the person took part in (either side), newest first. */
  async listFor(personId: string, em: EntityManager): Promise<MergeRow[]> {
    return em.query(`SELECT ${COLUMNS} FROM person_merge WHERE survivor_id = $1 OR merged_id = $1 ORDER BY created_at DESC, id`, [personId]);
  }
}
