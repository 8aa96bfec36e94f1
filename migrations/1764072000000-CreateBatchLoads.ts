import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batch loads: the load (its organization, format, status and who started it), its rows
 * stored as chunks at upload (each chunk is one job and one transaction, with the counts it
 * produced), and the per-row error report (row number, local id, field errors: never the
 * rejected values).
 */
export class CreateBatchLoads1764072000000 implements MigrationInterface {
  name = 'CreateBatchLoads1764072000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE batch_load (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id text NOT NULL REFERENCES organization(id),
        format text NOT NULL CHECK (format IN ('csv', 'ndjson')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        columns text[],
        rows integer NOT NULL DEFAULT 0,
        chunks integer NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        actor_client_id text,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_batch_load_unfinished ON batch_load (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`
      CREATE TABLE batch_chunk (
        load_id uuid NOT NULL REFERENCES batch_load(id),
        seq integer NOT NULL,
        first_row integer NOT NULL,
        row_count integer NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        error_code text,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        linked integer NOT NULL DEFAULT 0,
        review integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        processed_at timestamptz,
        PRIMARY KEY (load_id, seq)
      )`);
    await q.query(`
      CREATE TABLE batch_row_error (
        load_id uuid NOT NULL REFERENCES batch_load(id),
        row integer NOT NULL,
        local_id text,
        errors jsonb NOT NULL,
        PRIMARY KEY (load_id, row)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE batch_row_error`);
    await q.query(`DROP TABLE batch_chunk`);
    await q.query(`DROP TABLE batch_load`);
  }
}
