import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface HistoryEventRow {
  id: string;
  occurredAt: Date;
  event: string;
  recordId: string;
  organizationId: string;
  localId: string;
  personId: string | null;
  previousPersonId: string | null;
  method: string;
  grade: string | null;
  score: number | null;
  probability: number | null;
  contributions: unknown[] | null;
  priorWeight: number | null;
  reason: string;
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  actor: string | null;
  requestId: string | null;
  mergeId: string | null;
  note: string | null;
}

const COLUMNS = `e.id::text AS id, e.occurred_at AS "occurredAt", e.event, e.record_id AS "recordId", r.organization_id AS "organizationId",
  r.local_id AS "localId", e.person_id AS "personId", e.previous_person_id AS "previousPersonId", e.method, e.grade, e.score,
  e.probability, e.contributions, e.prior_weight AS "priorWeight", e.reason, e.rule_set_id AS "ruleSetId",
  e.rule_set_version AS "ruleSetVersion", e.rule_set_hash AS "ruleSetHash", e.actor_client_id AS actor,
  e.request_id AS "requestId", e.merge_id AS "mergeId", e.note`;

/** The append-only link history, read per person (joined or left) and per record, newest first. */
@Injectable()
export class HistoryRepository {
  async forPerson(personId: string, limit: number, beforeId: string | null, m: EntityManager): Promise<HistoryEventRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM link_event e JOIN source_record r ON r.id = e.record_id
       WHERE (e.person_id = $1 OR e.previous_person_id = $1) AND ($3::bigint IS NULL OR e.id < $3::bigint)
       ORDER BY e.id DESC LIMIT $2`,
      [personId, limit, beforeId],
    );
  }

  async forRecord(recordId: string, limit: number, beforeId: string | null, m: EntityManager): Promise<HistoryEventRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM link_event e JOIN source_record r ON r.id = e.record_id
       WHERE e.record_id = $1 AND ($3::bigint IS NULL OR e.id < $3::bigint)
       ORDER BY e.id DESC LIMIT $2`,
      [recordId, limit, beforeId],
    );
  }

  async personExists(personId: string, m: EntityManager): Promise<boolean> {
    return (await m.query(`SELECT 1 FROM person WHERE id = $1`, [personId])).length > 0;
  }

  async recordExists(recordId: string, m: EntityManager): Promise<boolean> {
    return (await m.query(`SELECT 1 FROM source_record WHERE id = $1`, [recordId])).length > 0;
  }
}
