import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail's GIN index on `person_ids` without a pending list (`fastupdate = off`).
 * Every locator, match and person query inserts one audit event. With the default
 * `fastupdate = on` those entries pile up in the index's pending list, which only VACUUM
 * (autovacuum, off on this machine kind) or the insert that finds it over
 * `gin_pending_list_limit` (4 MB) merges into the index: that one request then pays for
 * tens of thousands of entries, a latency spike every minute or so at 1,000 lookups/s.
 * An event names one person or a few, so inserting its entries directly costs about one
 * B-tree insertion each. Existing pending entries are merged first.
 */
export class AuditPersonIndexWithoutPendingList1764093600000 implements MigrationInterface {
  name = 'AuditPersonIndexWithoutPendingList1764093600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SELECT gin_clean_pending_list('ix_audit_event_person'::regclass)`);
    await q.query(`ALTER INDEX ix_audit_event_person SET (fastupdate = off)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX ix_audit_event_person RESET (fastupdate)`);
  }
}
