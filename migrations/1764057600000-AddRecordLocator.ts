import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The record locator: a person's consent (opt-out hides the person from every query while
 * feeds are still accepted), and indexes for resolving a patient identifier that is not an
 * organization's MRN (the SSN digit string and the other identifiers kept in the record's
 * normalized form). Expression indexes rather than a lookup table: the feed writes the
 * normalized form already, so the index can never drift from it.
 */
export class AddRecordLocator1764057600000 implements MigrationInterface {
  name = 'AddRecordLocator1764057600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE person
        ADD COLUMN consent text NOT NULL DEFAULT 'opt-in' CHECK (consent IN ('opt-in', 'opt-out')),
        ADD COLUMN consent_updated_at timestamptz`);
    await q.query(`CREATE INDEX ix_source_record_ssn ON source_record ((normalized ->> 'ssn')) WHERE status = 'active'`);
    await q.query(`
      CREATE INDEX ix_source_record_identifiers ON source_record USING gin ((normalized -> 'identifiers') jsonb_path_ops)
      WHERE status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_source_record_identifiers`);
    await q.query(`DROP INDEX ix_source_record_ssn`);
    await q.query(`ALTER TABLE person DROP COLUMN consent_updated_at, DROP COLUMN consent`);
  }
}
