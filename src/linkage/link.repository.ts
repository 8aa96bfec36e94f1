import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Contribution, MatchGrade } from '../matching/engine/index.js';

export type LinkMethod = 'auto' | 'manual' | 'identifier';

export interface RuleSetRef {
  id: string;
  version: string;
  hash: string;
}

export interface LinkRow {
  recordId: string;
  personId: string;
  method: LinkMethod;
  grade: MatchGrade | null;
  score: number | null;
  probability: number | null;
  reason: string;
  flags: string[];
  linkedAt: Date;
}

export interface LinkWrite extends Omit<LinkRow, 'linkedAt'> {
  ruleSet: RuleSetRef;
  actorClientId: string | null;
}

/** What happened to a record's link: automatic matching, a retirement, or a steward's action. */
export type LinkEventKind = 'link' | 'relink' | 'rescore' | 'retire' | 'manual-link' | 'manual-unlink' | 'merge' | 'unmerge';

export interface LinkEventWrite extends Omit<LinkWrite, 'flags'> {
  event: LinkEventKind;
  /** The event's reason when it says more than the link's (decision reasons appended). */
  eventReason?: string;
  previousPersonId: string | null;
  contributions: Contribution[] | null;
  priorWeight: number | null;
  requestId: string | null;
  /** The merge this event belongs to (merge and unmerge events). */
  mergeId?: string | null;
  /** The steward's note. */
  note?: string | null;
}

export interface ReviewTaskWrite {
  recordId: string;
  candidatePersonId: string;
  candidateRecordId: string;
  score: number;
  probability: number;
  grade: MatchGrade;
  priorWeight: number;
  contributions: Contribution[];
  reason: string;
  ruleSet: RuleSetRef;
}

export interface PersonRecordRow {
  recordId: string;
  organizationId: string;
  localId: string;
  demographics: Record<string, unknown>;
  updatedAt: Date;
  createdAt: Date;
  link: Omit<LinkRow, 'recordId' | 'personId'>;
}

export type Consent = 'opt-in' | 'opt-out';

export interface PersonRow {
  id: string;
  status: string;
  mergedInto: string | null;
  /** 'opt-out': the person is invisible to every query (DESIGN.md §2, invariant 5). */
  consent: Consent;
  /** When the patient last stated a choice (null: never). */
  consentUpdatedAt?: Date | null;
}

const LINK_COLUMNS = `record_id AS "recordId", person_id AS "personId", method, grade, score, probability, reason, flags, linked_at AS "linkedAt"`;

/** Persons, links, link history and review tasks. Every method runs in the caller's transaction. */
@Injectable()
export class LinkRepository {
  /**
   * Serializes linking of records that share a blocking key (and of one record's updates):
   * transaction-scoped advisory locks, taken in ascending order so two transactions never
   * wait on each other in opposite orders.
   */
  async lockKeys(keys: string[], m: EntityManager): Promise<void> {
    const ids = lockIdsOf(keys);
    // First (Append runs its branches in order) the batch lock, shared: see lockForBatchChunk.
    if (ids.length) {
      await m.query(
        `SELECT count(*) FROM (SELECT pg_advisory_xact_lock_shared($2::bigint) UNION ALL
           SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k) AS locks`,
        [ids, String(BATCH_LOCK_ID)],
      );
    }
  }

  /**
   * The locks of `lockKeys` as a statement with the lock ids written in (integers computed
   * here, never input), for `runInTransactionOpenedBy`: they are taken in the round trip that
   * starts the transaction. Sent unprepared, so it is parsed and planned each time: a select
   * list of calls (evaluated in order: the batch lock, then the keys ascending) plans in a
   * fraction of what the unnest/UNION ALL form of `lockKeys` takes.
   */
  lockKeysStatement(keys: string[]): string {
    const ids = lockIdsOf(keys);
    if (!ids.length) throw new Error('lockKeysStatement needs at least one key');
    return `SELECT pg_advisory_xact_lock_shared(${String(BATCH_LOCK_ID)}), ${ids.map((id) => `pg_advisory_xact_lock(${id})`).join(', ')}`;
  }

  /**
   * A batch chunk links a thousand records with ten-odd blocking keys each: as per-key
   * advisory locks that would exhaust PostgreSQL's shared lock table (64 per connection by
   * default). A chunk instead takes one lock exclusively that every per-key locker (feed,
   * steward action) takes shared first: a chunk runs alone against every other linker, and
   * single feeds keep their per-key concurrency among themselves.
   */
  async lockForBatchChunk(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [String(BATCH_LOCK_ID)]);
  }

  async findLink(recordId: string, m: EntityManager): Promise<LinkRow | null> {
    const rows: LinkRow[] = await m.query(`SELECT ${LINK_COLUMNS} FROM record_link WHERE record_id = $1`, [recordId]);
    return rows[0] ?? null;
  }

  /**
   * Sets the record's link, appends its history event and stores the feed's answer in one
   * statement; with `createPerson`, the person (id chosen by the caller) is created in it too.
   */
  async writeLink(
    l: LinkWrite,
    e: Omit<LinkEventWrite, keyof Omit<LinkWrite, 'flags'>>,
    m: EntityManager,
    options: { lastDecision?: object; createPerson?: boolean } = {},
  ): Promise<void> {
    await m.query(
      `WITH person_row AS (INSERT INTO person (id) SELECT $2 WHERE $20::boolean),
       link AS (
         INSERT INTO record_link (record_id, person_id, method, grade, score, probability, reason, flags,
           rule_set_id, rule_set_version, rule_set_hash, linked_by, linked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
         ON CONFLICT (record_id) DO UPDATE SET person_id = EXCLUDED.person_id, method = EXCLUDED.method,
           grade = EXCLUDED.grade, score = EXCLUDED.score, probability = EXCLUDED.probability, reason = EXCLUDED.reason,
           flags = EXCLUDED.flags, rule_set_id = EXCLUDED.rule_set_id, rule_set_version = EXCLUDED.rule_set_version,
           rule_set_hash = EXCLUDED.rule_set_hash, linked_by = EXCLUDED.linked_by, linked_at = now()
         RETURNING record_id),
       decision AS (UPDATE source_record SET last_decision = $19 WHERE id = $1 AND $19::json IS NOT NULL)
       INSERT INTO link_event (record_id, person_id, previous_person_id, event, method, grade, score, probability,
         contributions, prior_weight, reason, rule_set_id, rule_set_version, rule_set_hash, actor_client_id, request_id,
         merge_id, note)
       SELECT record_id, $2, $13, $14, $3, $4, $5, $6, $15, $16, $17, $9, $10, $11, $12, $18, $21, $22 FROM link`,
      [
        l.recordId, l.personId, l.method, l.grade, l.score, l.probability, l.reason, l.flags, l.ruleSet.id, l.ruleSet.version,
        l.ruleSet.hash, l.actorClientId, e.previousPersonId, e.event, e.contributions ? JSON.stringify(e.contributions) : null,
        e.priorWeight, e.eventReason ?? l.reason, e.requestId, options.lastDecision ?? null, options.createPerson ?? false,
        e.mergeId ?? null, e.note ?? null,
      ],
    );
  }

  async appendEvent(e: LinkEventWrite, m: EntityManager): Promise<void> {
    await m.query(
      `INSERT INTO link_event (record_id, person_id, previous_person_id, event, method, grade, score, probability,
         contributions, prior_weight, reason, rule_set_id, rule_set_version, rule_set_hash, actor_client_id, request_id,
         merge_id, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        e.recordId, e.personId, e.previousPersonId, e.event, e.method, e.grade, e.score, e.probability,
        e.contributions ? JSON.stringify(e.contributions) : null, e.priorWeight, e.eventReason ?? e.reason,
        e.ruleSet.id, e.ruleSet.version, e.ruleSet.hash, e.actorClientId, e.requestId, e.mergeId ?? null, e.note ?? null,
      ],
    );
  }

  /** Active records of the persons, each with its link (for golden views and person reads). */
  async activeRecordsOf(personId: string, m: EntityManager): Promise<PersonRecordRow[]> {
    const rows: Array<PersonRecordRow & LinkRow> = await m.query(
      `SELECT r.id AS "recordId", r.organization_id AS "organizationId", r.local_id AS "localId", r.demographics,
              r.updated_at AS "updatedAt", r.created_at AS "createdAt",
              l.method, l.grade, l.score, l.probability, l.reason, l.flags, l.linked_at AS "linkedAt"
       FROM record_link l
       CROSS JOIN LATERAL (
         SELECT id, organization_id, local_id, demographics, updated_at, created_at, status FROM source_record
         WHERE id = l.record_id LIMIT 1) r
       WHERE l.person_id = $1 AND r.status = 'active'
       ORDER BY r.organization_id, r.local_id`,
      [personId],
    );
    return rows.map((r) => ({
      recordId: r.recordId,
      organizationId: r.organizationId,
      localId: r.localId,
      demographics: r.demographics,
      updatedAt: r.updatedAt,
      createdAt: r.createdAt,
      link: { method: r.method, grade: r.grade, score: r.score, probability: r.probability, reason: r.reason, flags: r.flags, linkedAt: r.linkedAt },
    }));
  }

  async findPerson(personId: string, m: EntityManager): Promise<PersonRow | null> {
    const rows = await m.query(`SELECT id, status, merged_into AS "mergedInto", consent FROM person WHERE id = $1`, [personId]);
    return rows[0] ?? null;
  }

  /** Sets an active person's consent; false when there is no such active person. */
  async setConsent(personId: string, consent: Consent, m: EntityManager): Promise<{ updatedAt: Date } | null> {
    const rows: Array<{ updatedAt: Date }> = await m.query(
      `WITH u AS (UPDATE person SET consent = $2, consent_updated_at = now() WHERE id = $1 AND status = 'active'
         RETURNING consent_updated_at)
       SELECT consent_updated_at AS "updatedAt" FROM u`,
      [personId, consent],
    );
    return rows[0] ?? null;
  }

  /** Active when the person has an active record, retired when it has none (merged persons stay merged). */
  async refreshPersonStatus(personIds: string[], m: EntityManager): Promise<void> {
    // Keyed probes only (see the test feed-plans.spec.ts): the persons by `id = ANY`, and each
    // record's status by a LIMIT 1 probe on its primary key, since a plain join with
    // `r.status = 'active'` let a generic plan scan the whole partial index ix_source_record_ssn.
    await m.query(
      `UPDATE person p SET status = s.status, updated_at = now()
       FROM (SELECT id, CASE WHEN EXISTS (
               SELECT 1 FROM record_link l
               CROSS JOIN LATERAL (SELECT status FROM source_record WHERE id = l.record_id LIMIT 1) r
               WHERE l.person_id = x.id AND r.status = 'active') THEN 'active' ELSE 'retired' END AS status
             FROM unnest($1::uuid[]) AS x(id)) s
       WHERE p.id = ANY($1::uuid[]) AND p.id = s.id AND p.status <> 'merged' AND p.status <> s.status`,
      [personIds],
    );
  }


  /** Closes the record's open review tasks (its demographics changed or it was retired). */
  async dismissOpenTasksOf(recordId: string, actorClientId: string | null, m: EntityManager): Promise<void> {
    await this.closeOpenTasks(recordId, null, { resolution: 'superseded', note: null }, actorClientId, m);
  }

  /**
   * Once a later decision has linked a record that waited for review to `personId`: closes the
   * open review tasks its own decision opened and those of records of that person that name it
   * as their candidate (both now answered), with `resolution` 'settled' and `note` saying by
   * what. Tasks of records of other persons that name it stay open: they resolve to its person
   * as it is when resolved. Call before the new decision's own tasks are written.
   */
  async settleOpenTasksOf(recordId: string, personId: string, note: string, actorClientId: string | null, m: EntityManager): Promise<number> {
    return this.closeOpenTasks(recordId, personId, { resolution: 'settled', note }, actorClientId, m);
  }

  /** `samePerson` null: every open task of the record or naming it; else those naming it only from records linked to that person. */
  private async closeOpenTasks(
    recordId: string,
    samePerson: string | null,
    how: { resolution: string; note: string | null },
    actorClientId: string | null,
    m: EntityManager,
  ): Promise<number> {
    // Keyed probes only (see feed-plans.spec.ts): the record's tasks by its two indexes, each
    // locked and its status read by primary key, then each open one updated by primary key
    // (usually there is none). Written as one `UPDATE … WHERE status = 'open' AND (record_id
    // = $1 OR …)`, a generic plan made before any ANALYZE scanned the whole partial index of
    // open tasks (ix_review_task_queue, WHERE status = 'open') on every update of a record.
    const open: Array<{ id: string }> = await m.query(
      `SELECT t.id FROM (SELECT id FROM review_task WHERE record_id = $1 UNION SELECT id FROM review_task WHERE candidate_record_id = $1) x
       CROSS JOIN LATERAL (SELECT id, status, record_id FROM review_task WHERE id = x.id LIMIT 1 FOR UPDATE) t
       WHERE t.status = 'open' AND ($2::uuid IS NULL OR t.record_id = $1
         OR EXISTS (SELECT 1 FROM record_link l WHERE l.record_id = t.record_id AND l.person_id = $2::uuid))`,
      [recordId, samePerson],
    );
    for (const { id } of open) {
      await m.query(
        `UPDATE review_task SET status = 'dismissed', resolution = $3, resolution_note = $4, resolved_by = $2, resolved_at = now() WHERE id = $1`,
        [id, actorClientId, how.resolution, how.note],
      );
    }
    return open.length;
  }

  async insertReviewTasks(tasks: ReviewTaskWrite[], m: EntityManager): Promise<string[]> {
    const ids: string[] = [];
    for (const t of tasks) {
      const rows: Array<{ id: string }> = await m.query(
        `INSERT INTO review_task (record_id, candidate_person_id, candidate_record_id, score, probability, grade,
           prior_weight, contributions, reason, rule_set_id, rule_set_version, rule_set_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (record_id, candidate_person_id) WHERE status = 'open' DO UPDATE SET
           candidate_record_id = EXCLUDED.candidate_record_id, score = EXCLUDED.score, probability = EXCLUDED.probability,
           grade = EXCLUDED.grade, prior_weight = EXCLUDED.prior_weight, contributions = EXCLUDED.contributions,
           reason = EXCLUDED.reason, rule_set_id = EXCLUDED.rule_set_id, rule_set_version = EXCLUDED.rule_set_version,
           rule_set_hash = EXCLUDED.rule_set_hash
         RETURNING id`,
        [t.recordId, t.candidatePersonId, t.candidateRecordId, t.score, t.probability, t.grade, t.priorWeight,
          JSON.stringify(t.contributions), t.reason, t.ruleSet.id, t.ruleSet.version, t.ruleSet.hash],
      );
      ids.push(rows[0].id);
    }
    return ids;
  }
}

/** The lock every write of one record takes first (a feed of it, a steward's move of it). */
export const recordLockKey = (organizationId: string, localId: string) => `record:${organizationId}:${localId}`;

/** The advisory lock ids of these keys, distinct, in ascending order (as decimal strings). */
function lockIdsOf(keys: string[]): string[] {
  return [...new Set(keys.map(advisoryLockId))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
}

/** A signed 64-bit advisory lock id from a key string. Collisions only add serialization. */
export function advisoryLockId(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

const BATCH_LOCK_ID = advisoryLockId('batch-chunk');
