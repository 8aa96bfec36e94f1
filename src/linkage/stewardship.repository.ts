import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import type { MatchGrade } from '../matching/engine/index.js';
import { BlockingIndexRepository } from '../matching/blocking-index.repository.js';
import { LinkRepository, recordLockKey, type LinkMethod, type PersonRow } from './link.repository.js';

/** A link row exactly as stored: what a merge snapshots and an unmerge writes back. */
export interface StoredLink {
  recordId: string;
  personId: string;
  method: LinkMethod;
  grade: MatchGrade | null;
  score: number | null;
  probability: number | null;
  reason: string;
  flags: string[];
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  linkedBy: string | null;
  linkedAt: string;
}

export interface NoMatchPair {
  recordA: string;
  recordB: string;
  createdBy: string | null;
  note: string | null;
  origin: 'review' | 'unlink';
  createdAt: string;
}

const STORED_LINK_COLUMNS = `record_id AS "recordId", person_id AS "personId", method, grade, score, probability, reason, flags,
  rule_set_id AS "ruleSetId", rule_set_version AS "ruleSetVersion", rule_set_hash AS "ruleSetHash", linked_by AS "linkedBy",
  to_char(linked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "linkedAt"`;

/** How many times the lock set may grow (records joining the persons while we lock) before giving up. */
const MAX_LOCK_ROUNDS = 5;

/**
 * The SQL of a steward's decisions: locks that serialize them with feeds, no-match
 * assertions, link snapshots and the review tasks a decision settles. Every method runs in
 * the caller's transaction.
 */
@Injectable()
export class StewardshipRepository {
  constructor(
    private readonly links: LinkRepository,
    private readonly blockingIndex: BlockingIndexRepository,
  ) {}

  /**
   * Serializes a steward's change with every feed and steward action that could touch the
   * same persons: takes the lock key and blocking keys of the given records and of every
   * record linked to the persons (a feed linking to a person always locks a key of one of
   * its records; a feed moving a record out locks that record's keys). Records that joined
   * the persons while we waited are locked in a further round, until the set is stable.
   * Then locks the person rows, in id order, and returns them.
   */
  async lockPersons(personIds: string[], recordIds: string[], m: EntityManager): Promise<Map<string, PersonRow>> {
    // Without the blocking keys (a rebuild pending) the locks below would miss the feeds'.
    await this.blockingIndex.assertComplete(m);
    const locked = new Set<string>();
    for (let round = 0; ; round++) {
      const rows: Array<{ organizationId: string; localId: string; key: string | null }> = await m.query(
        `SELECT r.organization_id AS "organizationId", r.local_id AS "localId", k.key
         FROM source_record r LEFT JOIN blocking_key k ON k.record_id = r.id
         WHERE r.id = ANY($2::uuid[]) OR r.id IN (SELECT record_id FROM record_link WHERE person_id = ANY($1::uuid[]))`,
        [personIds, recordIds],
      );
      const fresh = [...new Set(rows.flatMap((r) => [recordLockKey(r.organizationId, r.localId), ...(r.key ? [r.key] : [])]))].filter(
        (k) => !locked.has(k),
      );
      if (!fresh.length) break;
      if (round >= MAX_LOCK_ROUNDS) throw new DomainError('unavailable', 'PERSONS_BUSY', 'The persons are being changed by other writers; try again');
      // Locks taken in a later round can deadlock with a feed; PostgreSQL aborts one and
      // runInTransaction runs it again.
      await this.links.lockKeys(fresh, m);
      for (const k of fresh) locked.add(k);
    }
    const persons: PersonRow[] = await m.query(
      `SELECT id, status, merged_into AS "mergedInto", consent, consent_updated_at AS "consentUpdatedAt"
       FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [personIds],
    );
    return new Map(persons.map((p) => [p.id, p]));
  }

  /** Every link to the person, active and retired records alike, exactly as stored. */
  async linksOf(personId: string, m: EntityManager): Promise<StoredLink[]> {
    return m.query(`SELECT ${STORED_LINK_COLUMNS} FROM record_link WHERE person_id = $1 ORDER BY record_id`, [personId]);
  }

  async linksOfRecords(recordIds: string[], m: EntityManager): Promise<StoredLink[]> {
    return m.query(`SELECT ${STORED_LINK_COLUMNS} FROM record_link WHERE record_id = ANY($1::uuid[])`, [recordIds]);
  }

  /** Writes back a snapshot of a link (an unmerge), with linked_at as it was. */
  async restoreLink(l: StoredLink, m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE record_link SET person_id = $2, method = $3, grade = $4, score = $5, probability = $6, reason = $7, flags = $8,
         rule_set_id = $9, rule_set_version = $10, rule_set_hash = $11, linked_by = $12, linked_at = $13
       WHERE record_id = $1`,
      [l.recordId, l.personId, l.method, l.grade, l.score, l.probability, l.reason, l.flags, l.ruleSetId, l.ruleSetVersion, l.ruleSetHash, l.linkedBy, l.linkedAt],
    );
  }

  /** Moves every link of `fromPersonId` to `toPersonId` as a steward's (sticky) link. */
  async moveAllLinks(fromPersonId: string, toPersonId: string, reason: string, ruleSet: { id: string; version: string; hash: string }, actorClientId: string | null, m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE record_link SET person_id = $2, method = 'manual', grade = 'certain', score = NULL, probability = NULL, reason = $3,
         rule_set_id = $4, rule_set_version = $5, rule_set_hash = $6, linked_by = $7, linked_at = now()
       WHERE person_id = $1`,
      [fromPersonId, toPersonId, reason, ruleSet.id, ruleSet.version, ruleSet.hash, actorClientId],
    );
  }

  /** "These two records are different people": automatic matching never links them again. */
  async assertNoMatch(pairs: Array<[string, string]>, origin: NoMatchPair['origin'], createdBy: string | null, note: string | null, m: EntityManager): Promise<void> {
    if (!pairs.length) return;
    const ordered = pairs.map(([a, b]) => (a < b ? [a, b] : [b, a]));
    await m.query(
      `INSERT INTO no_match_assertion (record_a, record_b, created_by, note, origin)
       SELECT a, b, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS x(a, b)
       ON CONFLICT (record_a, record_b) DO NOTHING`,
      [ordered.map((p) => p[0]), ordered.map((p) => p[1]), createdBy, note, origin],
    );
  }

  /** Removes (and returns) the no-match assertions between the two sets of records: a later manual decision overrides them. */
  async removeNoMatch(recordsA: string[], recordsB: string[], m: EntityManager): Promise<NoMatchPair[]> {
    if (!recordsA.length || !recordsB.length) return [];
    return m.query(
      // In a CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
      `WITH d AS (
         DELETE FROM no_match_assertion
         WHERE (record_a = ANY($1::uuid[]) AND record_b = ANY($2::uuid[])) OR (record_a = ANY($2::uuid[]) AND record_b = ANY($1::uuid[]))
         RETURNING *)
       SELECT record_a AS "recordA", record_b AS "recordB", created_by AS "createdBy", note, origin,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt" FROM d`,
      [recordsA, recordsB],
    );
  }

  /** Puts back assertions an undone merge had removed. */
  /**
   * Puts back the no-match assertions a merge overrode, but not between two records that
   * share a person now: a steward put them together after the merge (a manual link or a
   * merge since), and that later manual decision stands.
   */
  async restoreNoMatch(pairs: NoMatchPair[], m: EntityManager): Promise<void> {
    if (!pairs.length) return;
    await m.query(
      `INSERT INTO no_match_assertion (record_a, record_b, created_by, note, origin, created_at)
       SELECT x.* FROM jsonb_to_recordset($1::jsonb) AS x("recordA" uuid, "recordB" uuid, "createdBy" text, note text, origin text, "createdAt" timestamptz)
       WHERE NOT EXISTS (
         SELECT 1 FROM record_link la JOIN record_link lb ON lb.person_id = la.person_id
         WHERE la.record_id = x."recordA" AND lb.record_id = x."recordB")
       ON CONFLICT (record_a, record_b) DO NOTHING`,
      [JSON.stringify(pairs)],
    );
  }

  /**
   * Closes open review tasks a decision made moot: the record's own tasks when a steward
   * placed it by hand, and every task whose two records now share a person.
   */
  async settleTasks(recordIds: string[], manuallyPlaced: string[], actorClientId: string | null, m: EntityManager, exceptTaskId?: string): Promise<void> {
    await m.query(
      `UPDATE review_task t SET status = 'dismissed', resolved_by = $3, resolved_at = now(),
         resolution = CASE WHEN t.record_id = ANY($2::uuid[]) THEN 'superseded-by-steward' ELSE 'already-linked' END
       FROM record_link a, record_link b
       WHERE t.status = 'open' AND a.record_id = t.record_id AND b.record_id = t.candidate_record_id
         AND ($4::uuid IS NULL OR t.id <> $4::uuid)
         AND (t.record_id = ANY($2::uuid[]) OR (a.person_id = b.person_id
              AND (t.record_id = ANY($1::uuid[]) OR t.candidate_record_id = ANY($1::uuid[]))))`,
      [recordIds, manuallyPlaced, actorClientId, exceptTaskId ?? null],
    );
  }

  async setConsent(personId: string, consent: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE person SET consent = $2, updated_at = now() WHERE id = $1`, [personId, consent]);
  }

  async markMerged(personId: string, survivorId: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE person SET status = 'merged', merged_into = $2, updated_at = now() WHERE id = $1`, [personId, survivorId]);
  }

  /** An unmerged person is active again (refreshPersonStatus then retires it if it has no active record). */
  async markUnmerged(personId: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE person SET status = 'active', merged_into = NULL, updated_at = now() WHERE id = $1`, [personId]);
  }

  /** Record ids linked to the person (active records only). */
  async activeRecordIdsOf(personId: string, m: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT r.id FROM record_link l JOIN source_record r ON r.id = l.record_id WHERE l.person_id = $1 AND r.status = 'active'`,
      [personId],
    );
    return rows.map((r) => r.id);
  }

  /** Record ids linked to the person, retired ones included. */
  async allRecordIdsOf(personId: string, m: EntityManager): Promise<string[]> {
    const rows: Array<{ record_id: string }> = await m.query(`SELECT record_id FROM record_link WHERE person_id = $1`, [personId]);
    return rows.map((r) => r.record_id);
  }
}
