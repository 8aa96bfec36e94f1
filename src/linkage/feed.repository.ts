import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type AuditFixedFields, auditInsertSql, auditParams } from '../audit/audit-statement.js';
import type { SourceRecordRow } from '../identities/source-records.repository.js';
import {
  type CandidateResultRow,
  type CandidateRow,
  candidateStatementParams,
  candidateStatementParts,
  candidatesOf,
} from '../matching/candidate.repository.js';
import type { Demographics, NormalizedRecord } from '../matching/engine/index.js';
import { type Term, type TermDelta, termDeltaParams, termIncrementSql } from '../matching/term-frequency.repository.js';
import type { LinkEventWrite, LinkRow, LinkWrite, ReviewTaskWrite } from './link.repository.js';

/** The stored record a feed found, with its current link and blocking keys. */
export interface StoredRecord extends SourceRecordRow {
  link: LinkRow | null;
  keys: string[];
}

export interface FeedLookUp {
  /** The record under this organization and local id, locked FOR UPDATE; null: a new record. */
  stored: StoredRecord | null;
  /** Only for a new record (empty when `stored`): what `MatchingService.decideFetched` takes. */
  candidates: CandidateRow[];
  oversizedKeys: string[];
  termCounts: Map<string, number>;
}

/** Everything a new record's feed writes, in one statement. */
export interface NewLinkedRecord {
  record: Pick<SourceRecordRow, 'id' | 'organizationId' | 'localId' | 'demographics' | 'normalized' | 'contentHash' | 'lastDecision'>;
  keys: string[];
  /** The person the record links to; with `createPerson`, a new one with this id. */
  createPerson: boolean;
  link: Omit<LinkWrite, 'recordId'>;
  event: Pick<LinkEventWrite, 'event' | 'previousPersonId' | 'contributions' | 'priorWeight' | 'eventReason' | 'requestId'>;
  /** Review tasks with ids chosen by the caller (a new record has no open task to update). */
  reviewTasks: Array<ReviewTaskWrite & { id: string }>;
  /** Increments only: a new record only adds its terms. */
  termIncrements: TermDelta[];
  audit: AuditFixedFields & { personIds: string[] };
}

const LOOK_UP_CANDIDATES = candidateStatementParts(3, 'EXISTS (SELECT 1 FROM stored)');

/*
 * $1 organization, $2 local id, then the candidate statement's parameters. The stored
 * record (if any) comes back as JSON on every row; when there is one, the candidate lookups
 * are skipped (an update reads its candidates after replacing its keys).
 */
const LOOK_UP_SQL = `WITH stored AS (
         SELECT r.id, r.organization_id AS "organizationId", r.local_id AS "localId", r.status, r.demographics, r.normalized,
                r.content_hash AS "contentHash", r.last_decision AS "lastDecision", r.created_at AS "createdAt", r.updated_at AS "updatedAt"
         FROM source_record r WHERE r.organization_id = $1 AND r.local_id = $2 FOR UPDATE),
       ${LOOK_UP_CANDIDATES.ctes}
       SELECT (SELECT json_build_object('record', to_jsonb(s),
                 'link', (SELECT json_build_object('recordId', l.record_id, 'personId', l.person_id, 'method', l.method, 'grade', l.grade,
                                   'score', l.score, 'probability', l.probability, 'reason', l.reason, 'flags', l.flags, 'linkedAt', l.linked_at)
                          FROM record_link l WHERE l.record_id = s.id),
                 'keys', (SELECT coalesce(json_agg(k.key), '[]') FROM blocking_key k WHERE k.record_id = s.id))
               FROM stored s) AS stored,
              ${LOOK_UP_CANDIDATES.columns}
       FROM (SELECT 1) one ${LOOK_UP_CANDIDATES.join}`;

const P = (i: number) => `$${i}`;

/*
 * One statement for a new record: the record with its decision, its blocking keys, a new
 * person if it founds one, its link and link event, review tasks, its audit event, and its
 * name counts (last, so their rows stay locked only until the commit that follows).
 * Foreign keys are checked at the end of the statement, when every row is in.
 */
const INSERT_LINKED_RECORD_SQL = `WITH rec AS (
         INSERT INTO source_record (id, organization_id, local_id, demographics, normalized, content_hash, last_decision)
         VALUES ($1, $2, $3, $4, $5, $6, $7)),
       keys AS (INSERT INTO blocking_key (key, record_id) SELECT DISTINCT key, $1::uuid FROM unnest($8::text[]) AS key),
       person_row AS (INSERT INTO person (id) SELECT $9 WHERE $10::boolean),
       link AS (
         INSERT INTO record_link (record_id, person_id, method, grade, score, probability, reason, flags,
           rule_set_id, rule_set_version, rule_set_hash, linked_by, linked_at)
         VALUES ($1, $9, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, now())),
       event AS (
         INSERT INTO link_event (record_id, person_id, previous_person_id, event, method, grade, score, probability,
           contributions, prior_weight, reason, rule_set_id, rule_set_version, rule_set_hash, actor_client_id, request_id)
         VALUES ($1, $9, $21, $22, $11, $12, $13, $14, $23, $24, $25, $17, $18, $19, $20, $26)),
       tasks AS (
         INSERT INTO review_task (id, record_id, candidate_person_id, candidate_record_id, score, probability, grade,
           prior_weight, contributions, reason, rule_set_id, rule_set_version, rule_set_hash)
         SELECT t.id, $1, t."candidatePersonId", t."candidateRecordId", t.score, t.probability, t.grade,
                t."priorWeight", t.contributions, t.reason, t."ruleSetId", t."ruleSetVersion", t."ruleSetHash"
         FROM jsonb_to_recordset($27::jsonb) AS t(id uuid, "candidatePersonId" uuid, "candidateRecordId" uuid, score float8,
           probability float8, grade text, "priorWeight" float8, contributions jsonb, reason text, "ruleSetId" text,
           "ruleSetVersion" text, "ruleSetHash" text)),
       audit AS (${auditInsertSql(28, { outcome: `'success'`, personIds: `${P(36)}::text[]`, resultCount: 'NULL::int', details: `'{}'::jsonb` }, '(SELECT 1) AS one')}),
       tf AS (${termIncrementSql(37)})
       SELECT 1`;

/**
 * The feed's hot path in two statements (with the locks that open the transaction and the
 * commit, four round trips for a new record): look up the stored record together with the
 * candidates, then write everything at once.
 */
@Injectable()
export class FeedRepository {
  /** The stored record (locked) or, for a new record, its candidates and name counts: one round trip. */
  async lookUp(
    q: { organizationId: string; localId: string; keys: string[]; terms: Term[]; caps: number[] },
    m: EntityManager,
  ): Promise<FeedLookUp> {
    const rows: Array<CandidateResultRow & { stored: StoredJson | null }> = await m.query(LOOK_UP_SQL, [
      q.organizationId,
      q.localId,
      ...candidateStatementParams(q.keys, q.caps, null, q.terms),
    ]);
    const stored = rows[0]?.stored ?? null;
    if (stored) return { stored: storedRecordOf(stored), candidates: [], oversizedKeys: [], termCounts: new Map() };
    return { stored: null, ...candidatesOf(rows) };
  }

  /** Writes a new record and everything its feed decided: one round trip. */
  async insertLinkedRecord(w: NewLinkedRecord, m: EntityManager): Promise<void> {
    const { record: r, link: l, event: e } = w;
    await m.query(INSERT_LINKED_RECORD_SQL, [
      r.id, r.organizationId, r.localId, r.demographics, r.normalized, r.contentHash, r.lastDecision, w.keys,
      l.personId, w.createPerson,
      l.method, l.grade, l.score, l.probability, l.reason, l.flags, l.ruleSet.id, l.ruleSet.version, l.ruleSet.hash, l.actorClientId,
      e.previousPersonId, e.event, e.contributions ? JSON.stringify(e.contributions) : null, e.priorWeight, e.eventReason ?? l.reason, e.requestId,
      JSON.stringify(w.reviewTasks.map((t) => ({
        id: t.id, candidatePersonId: t.candidatePersonId, candidateRecordId: t.candidateRecordId, score: t.score, probability: t.probability,
        grade: t.grade, priorWeight: t.priorWeight, contributions: t.contributions, reason: t.reason,
        ruleSetId: t.ruleSet.id, ruleSetVersion: t.ruleSet.version, ruleSetHash: t.ruleSet.hash,
      }))),
      ...auditParams(w.audit), w.audit.personIds,
      ...termDeltaParams(w.termIncrements),
    ]);
  }
}

interface StoredJson {
  record: Omit<SourceRecordRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };
  link: (Omit<LinkRow, 'linkedAt'> & { linkedAt: string }) | null;
  keys: string[];
}

/** JSON has no dates: the timestamps back to Date, as the other repositories return them. */
function storedRecordOf(s: StoredJson): StoredRecord {
  return {
    ...s.record,
    demographics: s.record.demographics as Demographics,
    normalized: s.record.normalized as NormalizedRecord,
    createdAt: new Date(s.record.createdAt),
    updatedAt: new Date(s.record.updatedAt),
    link: s.link && { ...s.link, linkedAt: new Date(s.link.linkedAt) },
    keys: s.keys,
  };
}
