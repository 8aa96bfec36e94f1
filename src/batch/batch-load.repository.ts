import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FieldError } from '../common/errors/domain-error.js';

export type BatchFormat = 'csv' | 'ndjson';
export type BatchStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface BatchCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  linked: number;
  review: number;
  rejected: number;
}

export interface BatchLoadView {
  id: string;
  organizationId: string;
  format: BatchFormat;
  status: BatchStatus;
  counts: BatchCounts;
  chunks: { total: number; done: number; failed: number; pending: number };
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ChunkRow {
  loadId: string;
  seq: number;
  firstRow: number;
  status: 'pending' | 'done' | 'failed';
  payload: unknown[];
  organizationId: string;
  format: BatchFormat;
  columns: string[] | null;
  actorClientId: string | null;
  requestId: string | null;
}

export interface RowError {
  row: number;
  localId: string | null;
  errors: FieldError[];
}

/** SQL of batch loads, their stored chunks and their error report. */
@Injectable()
export class BatchLoadRepository {
  async insertLoad(
    l: { organizationId: string; format: BatchFormat; columns: string[] | null; actorClientId: string | null; requestId: string | null },
    m: EntityManager,
  ): Promise<string> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO batch_load (organization_id, format, columns, actor_client_id, request_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [l.organizationId, l.format, l.columns, l.actorClientId, l.requestId],
    );
    return rows[0].id;
  }

  async insertChunk(loadId: string, seq: number, firstRow: number, payload: unknown[], m: EntityManager): Promise<void> {
    await m.query(`INSERT INTO batch_chunk (load_id, seq, first_row, row_count, payload) VALUES ($1, $2, $3, $4, $5)`, [
      loadId, seq, firstRow, payload.length, JSON.stringify(payload),
    ]);
  }

  async finishUpload(loadId: string, f: { columns: string[] | null; rows: number; chunks: number; bytes: number }, m: EntityManager): Promise<void> {
    await m.query(`UPDATE batch_load SET columns = $2, rows = $3, chunks = $4, bytes = $5 WHERE id = $1`, [loadId, f.columns, f.rows, f.chunks, f.bytes]);
  }

  async findLoad(id: string, m: EntityManager): Promise<BatchLoadView | null> {
    const rows = await m.query(
      `SELECT l.id, l.organization_id AS "organizationId", l.format, l.status, l.rows, l.created_at AS "createdAt",
              l.started_at AS "startedAt", l.finished_at AS "finishedAt",
              coalesce(sum(c.created), 0)::int AS created, coalesce(sum(c.updated), 0)::int AS updated,
              coalesce(sum(c.unchanged), 0)::int AS unchanged, coalesce(sum(c.linked), 0)::int AS linked,
              coalesce(sum(c.review), 0)::int AS review, coalesce(sum(c.rejected), 0)::int AS rejected,
              count(c.seq)::int AS total, count(c.seq) FILTER (WHERE c.status = 'done')::int AS done,
              count(c.seq) FILTER (WHERE c.status = 'failed')::int AS failed
       FROM batch_load l LEFT JOIN batch_chunk c ON c.load_id = l.id
       WHERE l.id = $1 GROUP BY l.id`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      organizationId: r.organizationId,
      format: r.format,
      status: r.status,
      counts: { rows: r.rows, created: r.created, updated: r.updated, unchanged: r.unchanged, linked: r.linked, review: r.review, rejected: r.rejected },
      chunks: { total: r.total, done: r.done, failed: r.failed, pending: r.total - r.done - r.failed },
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    };
  }

  /** One attempt more at a pending chunk (committed at once, so a crash still counts); null when not pending. */
  async startAttempt(loadId: string, seq: number, m: EntityManager): Promise<number | null> {
    const rows: Array<{ attempts: number }> = await m.query(
      `WITH c AS (UPDATE batch_chunk SET attempts = attempts + 1 WHERE load_id = $1 AND seq = $2 AND status = 'pending' RETURNING attempts),
       l AS (UPDATE batch_load SET status = 'running', started_at = now() WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM c))
       SELECT attempts FROM c`,
      [loadId, seq],
    );
    return rows[0]?.attempts ?? null;
  }

  /** The chunk with its rows and its load's settings; null when it is no longer pending. */
  async readPendingChunk(loadId: string, seq: number, m: EntityManager): Promise<ChunkRow | null> {
    const rows: ChunkRow[] = await m.query(
      `SELECT c.load_id AS "loadId", c.seq, c.first_row AS "firstRow", c.status, c.payload, l.organization_id AS "organizationId",
              l.format, l.columns, l.actor_client_id AS "actorClientId", l.request_id AS "requestId"
       FROM batch_chunk c JOIN batch_load l ON l.id = c.load_id WHERE c.load_id = $1 AND c.seq = $2`,
      [loadId, seq],
    );
    return rows[0]?.status === 'pending' ? rows[0] : null;
  }

  /** Row-locks the chunk for its transaction: true when it is still pending (else a no-op). */
  async lockPendingChunk(loadId: string, seq: number, m: EntityManager): Promise<boolean> {
    const rows: Array<{ status: string }> = await m.query(`SELECT status FROM batch_chunk WHERE load_id = $1 AND seq = $2 FOR UPDATE`, [loadId, seq]);
    return rows[0]?.status === 'pending';
  }

  /** An earlier chunk of the load still to link (chunks link in file order). */
  async hasEarlierPending(loadId: string, seq: number, m: EntityManager): Promise<boolean> {
    const rows: Array<{ waiting: boolean }> = await m.query(
      `SELECT EXISTS (SELECT 1 FROM batch_chunk WHERE load_id = $1 AND seq < $2 AND status = 'pending') AS waiting`,
      [loadId, seq],
    );
    return rows[0].waiting;
  }

  /** The load's first chunk still to link, or null. */
  async firstPendingSeq(loadId: string, m: EntityManager): Promise<number | null> {
    const rows: Array<{ seq: number | null }> = await m.query(
      `SELECT min(seq) AS seq FROM batch_chunk WHERE load_id = $1 AND status = 'pending'`,
      [loadId],
    );
    return rows[0].seq;
  }

  async completeEmpty(loadId: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE batch_load SET status = 'completed', started_at = now(), finished_at = now() WHERE id = $1`, [loadId]);
  }

  async completeChunk(loadId: string, seq: number, counts: Omit<BatchCounts, 'rows'>, errors: RowError[], m: EntityManager): Promise<void> {
    if (errors.length) {
      await m.query(
        `INSERT INTO batch_row_error (load_id, row, local_id, errors)
         SELECT $1, e.row, e.local_id, e.errors::jsonb FROM unnest($2::int[], $3::text[], $4::text[]) AS e(row, local_id, errors)
         ON CONFLICT (load_id, row) DO NOTHING`,
        [loadId, errors.map((e) => e.row), errors.map((e) => e.localId), errors.map((e) => JSON.stringify(e.errors))],
      );
    }
    await m.query(
      `UPDATE batch_chunk SET status = 'done', processed_at = now(), created = $3, updated = $4, unchanged = $5, linked = $6,
         review = $7, rejected = $8, payload = '[]' WHERE load_id = $1 AND seq = $2`,
      [loadId, seq, counts.created, counts.updated, counts.unchanged, counts.linked, counts.review, counts.rejected],
    );
  }

  async failChunk(loadId: string, seq: number, errorCode: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE batch_chunk SET status = 'failed', error_code = $3 WHERE load_id = $1 AND seq = $2 AND status = 'pending'`, [loadId, seq, errorCode]);
  }

  /**
   * Marks the load finished once no chunk is pending; returns it the one time that happens
   * (run after each chunk commits: the last committer sees every other chunk's commit).
   */
  async finishIfDone(loadId: string, m: EntityManager): Promise<BatchStatus | null> {
    // A CTE and a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
    const rows: Array<{ status: BatchStatus }> = await m.query(
      `WITH u AS (
         UPDATE batch_load l SET status = CASE WHEN EXISTS (SELECT 1 FROM batch_chunk WHERE load_id = l.id AND status = 'failed') THEN 'failed' ELSE 'completed' END,
           finished_at = now(), started_at = coalesce(started_at, now())
         WHERE l.id = $1 AND l.status IN ('queued', 'running')
           AND NOT EXISTS (SELECT 1 FROM batch_chunk WHERE load_id = l.id AND status = 'pending')
         RETURNING l.status)
       SELECT status FROM u`,
      [loadId],
    );
    return rows[0]?.status ?? null;
  }

  /** Pending chunks of unfinished loads, with whether an attempt at them had started. */
  async findPendingChunks(m: EntityManager): Promise<Array<{ loadId: string; seq: number; attempts: number }>> {
    return m.query(
      `SELECT c.load_id AS "loadId", c.seq, c.attempts FROM batch_load l JOIN batch_chunk c ON c.load_id = l.id
       WHERE l.status IN ('queued', 'running') AND c.status = 'pending' ORDER BY l.created_at, c.seq`,
    );
  }

  async findUnfinishedWithoutPending(m: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM batch_load l WHERE status IN ('queued', 'running')
         AND NOT EXISTS (SELECT 1 FROM batch_chunk WHERE load_id = l.id AND status = 'pending')`,
    );
    return rows.map((r) => r.id);
  }

  async errorsPage(loadId: string, afterRow: number, limit: number, m: EntityManager): Promise<RowError[]> {
    return m.query(
      `SELECT row, local_id AS "localId", errors FROM batch_row_error WHERE load_id = $1 AND row > $2 ORDER BY row LIMIT $3`,
      [loadId, afterRow, limit],
    );
  }
}
