import type { MigrationInterface, QueryRunner } from 'typeorm';

const CHECK = `
        -- LATERAL … LIMIT 1: a primary-key probe per distinct record, whatever the plan.
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT record_id FROM new_keys) k
                   LEFT JOIN LATERAL (SELECT true AS found FROM source_record r WHERE r.id = k.record_id LIMIT 1) f ON true
                   WHERE f.found IS NULL) THEN
          RAISE EXCEPTION 'insert or update on table "blocking_key" violates its reference to "source_record"'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'blocking_key';
        END IF;`;

/**
 * The keys' record check (BlockingKeyWithoutRecordForeignKey) can be taken over by the writer
 * for one statement: a batch chunk inserts its new records' keys in its transaction *before* it
 * takes the batch lock (they depend on nothing the lock protects, only on record ids minted
 * early), and its records only under the lock. For that statement it sets
 * `mpi.key_record_check = 'deferred'` (SET LOCAL), and checks the same thing itself once its
 * records are written (`ChunkLinkageRepository.keysWithoutRecord`), before its COMMIT. Every
 * other statement is checked as before.
 */
export class BlockingKeyRecordCheckDeferrable1764108000000 implements MigrationInterface {
  name = 'BlockingKeyRecordCheckDeferrable1764108000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION blocking_key_records_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('mpi.key_record_check', true) = 'deferred' THEN
          RETURN NULL;
        END IF;${CHECK}
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION blocking_key_records_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN${CHECK}
        RETURN NULL;
      END $$`);
  }
}
