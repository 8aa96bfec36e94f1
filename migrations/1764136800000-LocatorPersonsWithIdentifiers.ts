import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The locator looks a patient identifier other than an MRN or SSN up through
 * `active_persons_with_identifiers`: a SQL function called in a select list is planned when the
 * statement runs, with the tables' statistics of that moment, whereas the locator's own
 * statement keeps the generic plan of its first run on a connection
 * (prepared-statement-client.ts). Made on empty tables, that plan scanned a partial index of
 * every active record (ix_source_record_ssn, filtered by the containment) instead of probing the
 * identifiers' index (test/integration/feed-plans.spec.ts). Same result: the visible persons
 * are still filtered by the statement.
 */
export class LocatorPersonsWithIdentifiers1764136800000 implements MigrationInterface {
  name = 'LocatorPersonsWithIdentifiers1764136800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION active_persons_with_identifiers(wanted jsonb) RETURNS SETOF uuid LANGUAGE sql STABLE
      AS $$ SELECT DISTINCT l.person_id FROM source_record r JOIN record_link l ON l.record_id = r.id
            WHERE r.status = 'active' AND ((r.normalized -> 'identifiers')::jsonb) @> wanted $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION active_persons_with_identifiers(jsonb)`);
  }
}
