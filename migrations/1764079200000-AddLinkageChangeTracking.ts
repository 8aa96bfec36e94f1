import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change tracking for batch chunks: each source record and each link carries the id of the
 * transaction that last wrote it (`changed_xid`, set on insert by default and on update by a
 * trigger, so every writer is covered without knowing of it). A chunk reads its blocks and
 * candidates in one snapshot before it takes the batch lock; under the lock it asks only for
 * the rows whose writer that snapshot did not see (`pg_visible_in_snapshot`), through the
 * index, instead of reading every block again. Existing rows keep NULL: they are older than
 * any snapshot taken after this migration.
 */
export class AddLinkageChangeTracking1764079200000 implements MigrationInterface {
  name = 'AddLinkageChangeTracking1764079200000';

  async up(q: QueryRunner): Promise<void> {
    // Added without a default first (no table rewrite), then the default for new rows.
    for (const table of ['source_record', 'record_link']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN changed_xid xid8`);
      await q.query(`ALTER TABLE ${table} ALTER COLUMN changed_xid SET DEFAULT pg_current_xact_id()`);
    }
    await q.query(`
      CREATE FUNCTION stamp_changed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.changed_xid := pg_current_xact_id();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER tr_source_record_changed_xid BEFORE UPDATE ON source_record FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid()`);
    await q.query(`CREATE TRIGGER tr_record_link_changed_xid BEFORE UPDATE ON record_link FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid()`);
    await q.query(`CREATE INDEX ix_source_record_changed_xid ON source_record (changed_xid)`);
    await q.query(`CREATE INDEX ix_record_link_changed_xid ON record_link (changed_xid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_record_link_changed_xid`);
    await q.query(`DROP INDEX ix_source_record_changed_xid`);
    await q.query(`DROP TRIGGER tr_record_link_changed_xid ON record_link`);
    await q.query(`DROP TRIGGER tr_source_record_changed_xid ON source_record`);
    await q.query(`DROP FUNCTION stamp_changed_xid()`);
    await q.query(`ALTER TABLE record_link DROP COLUMN changed_xid`);
    await q.query(`ALTER TABLE source_record DROP COLUMN changed_xid`);
  }
}
