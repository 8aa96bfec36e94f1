import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stewardship: merges of persons kept with a snapshot of every link they moved (so an
 * unmerge can restore them exactly), the merge and the steward's note on link history
 * events, where a no-match assertion came from, and the review queue's order (band, age).
 */
export class AddStewardship1764064800000 implements MigrationInterface {
  name = 'AddStewardship1764064800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE person_merge (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survivor_id uuid NOT NULL REFERENCES person(id),
        merged_id uuid NOT NULL REFERENCES person(id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'undone')),
        moved_links jsonb NOT NULL,
        removed_assertions jsonb NOT NULL DEFAULT '[]',
        survivor_consent text NOT NULL,
        merged_consent text NOT NULL,
        note text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        undone_by text,
        undone_at timestamptz,
        CONSTRAINT ck_person_merge_distinct CHECK (survivor_id <> merged_id),
        CONSTRAINT ck_person_merge_undone CHECK ((status = 'undone') = (undone_at IS NOT NULL))
      )`);
    // A person is merged into at most one other at a time.
    await q.query(`CREATE UNIQUE INDEX uq_person_merge_active ON person_merge (merged_id) WHERE status = 'active'`);
    await q.query(`CREATE INDEX ix_person_merge_survivor ON person_merge (survivor_id, created_at)`);
    await q.query(`ALTER TABLE link_event ADD COLUMN merge_id uuid REFERENCES person_merge(id), ADD COLUMN note text`);
    await q.query(`ALTER TABLE no_match_assertion ADD COLUMN origin text NOT NULL DEFAULT 'review' CHECK (origin IN ('review', 'unlink'))`);
    await q.query(`
      CREATE INDEX ix_review_task_queue ON review_task
        ((CASE grade WHEN 'probable' THEN 0 WHEN 'possible' THEN 1 ELSE 2 END), created_at, id) WHERE status = 'open'`);
    await q.query(`CREATE INDEX ix_review_task_record ON review_task (record_id)`);
    await q.query(`CREATE INDEX ix_review_task_candidate_record ON review_task (candidate_record_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_review_task_candidate_record`);
    await q.query(`DROP INDEX ix_review_task_record`);
    await q.query(`DROP INDEX ix_review_task_queue`);
    await q.query(`ALTER TABLE no_match_assertion DROP COLUMN origin`);
    await q.query(`ALTER TABLE link_event DROP COLUMN note, DROP COLUMN merge_id`);
    await q.query(`DROP TABLE person_merge`);
  }
}
