import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The three documents as `type`, with the locator's indexes over `identifiers` (its expression). */
async function documentsAs(q: QueryRunner, type: 'json' | 'jsonb', identifiers: string): Promise<void> {
  await q.query(`DROP INDEX ix_source_record_identifiers`);
  await q.query(`DROP INDEX ix_source_record_ssn`);
  await q.query(`
    ALTER TABLE source_record
      ALTER COLUMN demographics TYPE ${type} USING demographics::${type},
      ALTER COLUMN normalized TYPE ${type} USING normalized::${type},
      ALTER COLUMN last_decision DROP DEFAULT,
      ALTER COLUMN last_decision TYPE ${type} USING last_decision::${type},
      ALTER COLUMN last_decision SET DEFAULT '{}'::${type}`);
  await q.query(`CREATE INDEX ix_source_record_ssn ON source_record ((normalized ->> 'ssn')) WHERE status = 'active'`);
  await q.query(`CREATE INDEX ix_source_record_identifiers ON source_record USING gin ((${identifiers}) jsonb_path_ops) WHERE status = 'active'`);
}

/**
 * A source record's three documents (demographics as fed, the normalized form, the answer kept
 * for replays) become `json`: the service writes each whole and reads each whole, and never
 * queries inside them but for the locator's two expression indexes. `jsonb` parsed every
 * document into its binary form on the way in and printed it back to text on the way out
 * (a batch chunk's block members, ~18,000 a chunk at a million records, and every catch-up
 * read); `json` keeps the text the service wrote (validated, not parsed into a tree). Measured
 * on a 300k-record database: printing every normalized form 1457 ms as jsonb against 543 ms as
 * json; a chunk's 1,000-record insert document parsed in 21 ms with text fields against 75 ms
 * into jsonb fields.
 *
 * The locator's indexes read the same values: the SSN (`->>` works on json alike) and the
 * identifiers, cast to jsonb for containment (only that small array is parsed, at insert).
 * The locator's statement uses the same expressions (locator.repository.ts).
 * The rewrite of the table takes its lock for as long as a copy of it takes.
 */
export class RecordDocumentsAsJson1764129600000 implements MigrationInterface {
  name = 'RecordDocumentsAsJson1764129600000';

  async up(q: QueryRunner): Promise<void> {
    await documentsAs(q, 'json', `(normalized -> 'identifiers')::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await documentsAs(q, 'jsonb', `normalized -> 'identifiers'`);
  }
}
