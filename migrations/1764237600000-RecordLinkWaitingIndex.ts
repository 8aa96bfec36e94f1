import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The records waiting for review (an automatic link whose reason is 'review-pending'), as a
 * small partial index on record_link. Candidate reads ask of every candidate whether it waits
 * (rule-set option `decision.reevaluatePendingReviews`, engine/reevaluate.ts): reading the
 * link's reason would cost each candidate a heap page where the covering primary key
 * (1764122400000-RecordLinkCoveringKey) makes the link an index-only read; an EXISTS probe of
 * this index (a few percent of the links) keeps it one.
 */
export class RecordLinkWaitingIndex1764237600000 implements MigrationInterface {
  name = 'RecordLinkWaitingIndex1764237600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_record_link_waiting ON record_link (record_id) WHERE method = 'auto' AND reason = 'review-pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_record_link_waiting`);
  }
}
