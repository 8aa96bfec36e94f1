import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each source record keeps the id of the transaction that created it (`created_xid`, set on
 * insert by default and never changed; `changed_xid` moves with every write). A batch chunk
 * that found a block too large to read asks, under the lock, whether anything written since
 * its read can have made the block smaller: only a record that its read's snapshot already saw
 * (`pg_visible_in_snapshot(created_xid, …)`), retired or re-keyed since, can have left a block;
 * a record created since only joins blocks. Without it, every chunk of a load read its oversized
 * blocks again under the lock (the chunks before it are always written since). Existing rows
 * keep NULL: they are older than any snapshot taken after this migration.
 */
export class AddRecordCreatedXid1764115200000 implements MigrationInterface {
  name = 'AddRecordCreatedXid1764115200000';

  async up(q: QueryRunner): Promise<void> {
    // Added without a default first (no table rewrite), then the default for new rows.
    await q.query(`ALTER TABLE source_record ADD COLUMN created_xid xid8`);
    await q.query(`ALTER TABLE source_record ALTER COLUMN created_xid SET DEFAULT pg_current_xact_id()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE source_record DROP COLUMN created_xid`);
  }
}
