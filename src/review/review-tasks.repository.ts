import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Contribution, Demographics, MatchGrade } from '../matching/engine/index.js';

export type ReviewTaskStatus = 'open' | 'resolved' | 'dismissed';
export type ReviewDecision = 'same-person' | 'different-people';

export interface ReviewSide {
  recordId: string;
  organizationId: string;
  localId: string;
  status: 'active' | 'retired';
  personId: string;
  demographics: Demographics;
}

export interface ReviewTaskRow {
  id: string;
  status: ReviewTaskStatus;
  reason: string;
  createdAt: Date;
  score: number;
  probability: number;
  grade: MatchGrade;
  priorWeight: number;
  contributions: Contribution[];
  ruleSetId: string;
  ruleSetVersion: string;
  ruleSetHash: string;
  resolution: string | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  record: ReviewSide;
  candidate: ReviewSide;
  /** The queue's sort key: band (0 probable, 1 possible), then age. */
  band: number;
}

export interface ReviewTaskFilter {
  status: ReviewTaskStatus;
  organizationId?: string;
  grade?: MatchGrade;
}

/** Where a page starts: after this task in the queue's order. */
export interface QueuePosition {
  band: number;
  at: string;
  id: string;
}

const BAND = `(CASE t.grade WHEN 'probable' THEN 0 WHEN 'possible' THEN 1 ELSE 2 END)`;

const SELECT = `
  SELECT t.id, t.status, t.reason, t.created_at AS "createdAt", t.score, t.probability, t.grade, t.prior_weight AS "priorWeight",
         t.contributions, t.rule_set_id AS "ruleSetId", t.rule_set_version AS "ruleSetVersion", t.rule_set_hash AS "ruleSetHash",
         t.resolution, t.resolution_note AS "resolutionNote", t.resolved_by AS "resolvedBy", t.resolved_at AS "resolvedAt",
         ${BAND} AS band,
         to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAtExact",
         to_char(t.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "resolvedAtExact",
         json_build_object('recordId', r.id, 'organizationId', r.organization_id, 'localId', r.local_id, 'status', r.status,
                           'personId', lr.person_id, 'demographics', r.demographics) AS record,
         json_build_object('recordId', c.id, 'organizationId', c.organization_id, 'localId', c.local_id, 'status', c.status,
                           'personId', lc.person_id, 'demographics', c.demographics) AS candidate
  FROM review_task t
  JOIN source_record r ON r.id = t.record_id JOIN record_link lr ON lr.record_id = r.id
  JOIN source_record c ON c.id = t.candidate_record_id JOIN record_link lc ON lc.record_id = c.id`;

/** The review queue: tasks with both records as they are now (their current persons). */
@Injectable()
export class ReviewTasksRepository {
  /**
   * One page of tasks. Open tasks in queue order (probable before possible, oldest first);
   * resolved and dismissed ones most recently closed first. Keyset paging on that order.
   */
  async list(filter: ReviewTaskFilter, limit: number, after: QueuePosition | null, m: EntityManager): Promise<Array<ReviewTaskRow & { position: QueuePosition }>> {
    const open = filter.status === 'open';
    const params: unknown[] = [filter.status, filter.organizationId ?? null, filter.grade ?? null, limit];
    let keyset = '';
    if (after) {
      params.push(after.band, after.at, after.id);
      keyset = open
        ? `AND (${BAND}, t.created_at, t.id) > ($5::int, $6::timestamptz, $7::uuid)`
        : `AND (t.resolved_at, t.id) < ($6::timestamptz, $7::uuid) AND $5::int IS NOT NULL`;
    }
    const rows: Array<ReviewTaskRow & { createdAtExact: string; resolvedAtExact: string | null }> = await m.query(
      `${SELECT}
       WHERE t.status = $1 ${filterSql} ${keyset}
       ORDER BY ${open ? `${BAND}, t.created_at, t.id` : 't.resolved_at DESC, t.id DESC'}
       LIMIT $4`,
      params,
    );
    return rows.map(({ createdAtExact, resolvedAtExact, ...r }) => ({
      ...r,
      position: { band: r.band, at: open ? createdAtExact : (resolvedAtExact ?? createdAtExact), id: r.id },
    }));
  }

  async count(filter: ReviewTaskFilter, m: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM review_task t
       JOIN source_record r ON r.id = t.record_id JOIN source_record c ON c.id = t.candidate_record_id
       WHERE t.status = $1 ${filterSql}`,
      [filter.status, filter.organizationId ?? null, filter.grade ?? null],
    );
    return rows[0].n;
  }

  async find(id: string, m: EntityManager): Promise<ReviewTaskRow | null> {
    const rows: Array<ReviewTaskRow & { createdAtExact?: string; resolvedAtExact?: string }> = await m.query(`${SELECT} WHERE t.id = $1`, [id]);
    if (!rows[0]) return null;
    const { createdAtExact: _c, resolvedAtExact: _r, ...row } = rows[0];
    return row;
  }

  /** Locks the task row; returns its status (null when there is no such task). */
  async lockStatus(id: string, m: EntityManager): Promise<ReviewTaskStatus | null> {
    const rows: Array<{ status: ReviewTaskStatus }> = await m.query(`SELECT status FROM review_task WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0]?.status ?? null;
  }

  async markResolved(id: string, decision: ReviewDecision, note: string | null, resolvedBy: string | null, m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE review_task SET status = 'resolved', resolution = $2, resolution_note = $3, resolved_by = $4, resolved_at = now() WHERE id = $1`,
      [id, decision, note, resolvedBy],
    );
  }
}

/** Organization (either side) and grade filters, on parameters $2 and $3. */
const filterSql = `AND ($2::text IS NULL OR r.organization_id = $2 OR c.organization_id = $2) AND ($3::text IS NULL OR t.grade = $3)`;
