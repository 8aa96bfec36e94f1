import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking keys' reference to their record checked once per statement instead of once per row.
 *
 * PostgreSQL checks a foreign key row by row: a `SELECT … FOR KEY SHARE` of the record for
 * every key row inserted. A batch chunk inserts about 12,800 key rows for its 1,000 records in
 * one statement under the batch lock, and those checks were about half of that statement's
 * time (85 of 180 ms at 100,000 records). The foreign key is replaced by statement-level
 * triggers over the statement's transition table: one set-based look-up of the distinct
 * record ids of all the rows a statement inserted or updated (a primary-key probe each), and
 * a deleted source record must have no keys left (as `NO ACTION` did). Records are never
 * deleted by the service (they are retired), keys are written in the transaction that writes
 * their record; unlike the foreign key, the check takes no lock on the record, so a record
 * deleted by a concurrent transaction between the check and the commit would go unnoticed —
 * nothing deletes records.
 */
export class BlockingKeyWithoutRecordForeignKey1764100800000 implements MigrationInterface {
  name = 'BlockingKeyWithoutRecordForeignKey1764100800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blocking_key DROP CONSTRAINT blocking_key_record_id_fkey`);
    await q.query(`
      CREATE FUNCTION blocking_key_records_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- LATERAL … LIMIT 1: a primary-key probe per distinct record, whatever the plan.
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT record_id FROM new_keys) k
                   LEFT JOIN LATERAL (SELECT true AS found FROM source_record r WHERE r.id = k.record_id LIMIT 1) f ON true
                   WHERE f.found IS NULL) THEN
          RAISE EXCEPTION 'insert or update on table "blocking_key" violates its reference to "source_record"'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'blocking_key';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER tr_blocking_key_records_exist_insert AFTER INSERT ON blocking_key
      REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION blocking_key_records_exist()`);
    await q.query(`CREATE TRIGGER tr_blocking_key_records_exist_update AFTER UPDATE ON blocking_key
      REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION blocking_key_records_exist()`);
    await q.query(`
      CREATE FUNCTION source_record_without_keys() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM gone g WHERE EXISTS (SELECT 1 FROM blocking_key k WHERE k.record_id = g.id)) THEN
          RAISE EXCEPTION 'delete on table "source_record" violates the reference from "blocking_key"'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'source_record';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER tr_source_record_without_keys AFTER DELETE ON source_record
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION source_record_without_keys()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tr_source_record_without_keys ON source_record`);
    await q.query(`DROP FUNCTION source_record_without_keys()`);
    await q.query(`DROP TRIGGER tr_blocking_key_records_exist_update ON blocking_key`);
    await q.query(`DROP TRIGGER tr_blocking_key_records_exist_insert ON blocking_key`);
    await q.query(`DROP FUNCTION blocking_key_records_exist()`);
    await q.query(`ALTER TABLE blocking_key ADD CONSTRAINT blocking_key_record_id_fkey FOREIGN KEY (record_id) REFERENCES source_record(id)`);
  }
}
