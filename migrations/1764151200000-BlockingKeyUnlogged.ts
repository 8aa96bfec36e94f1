import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking keys written without WAL: `blocking_key` becomes an UNLOGGED table, and a marker
 * table, `blocking_index_state`, also unlogged, holds one row while the keys are complete.
 *
 * The keys are derived data: each record's keys are a function of its stored normalized form
 * and the rule set (`blockingKeys`), so they can be computed again from `source_record`.
 * Logged, they were most of the database's write-ahead log: a chunk's ~13,000 keys land on as
 * many random leaf pages of the (key, record_id) primary key, and after every checkpoint the
 * first change of a page writes the whole page to the WAL. In the 1M bench database one
 * chunk's key insert wrote 71–95 MB of WAL and took 0.9–1.5 s; unlogged it wrote none and
 * took 0.15 s. The WAL then fills max_wal_size less often, so the other tables' pages are
 * written whole less often too.
 *
 * What an unlogged table gives up: after a crash of the database server (not of the service)
 * PostgreSQL empties it, and a standby has no copy of it. The marker is emptied with it, so
 * the service knows: it refuses to link until the keys are rebuilt from the records
 * (`BlockingIndexService`, which every linking transaction asks first; the rebuild runs at
 * start-up and whenever a transaction finds the marker gone). Records, links, persons and
 * their history stay logged: nothing the rebuild cannot recompute is lost.
 */
export class BlockingKeyUnlogged1764151200000 implements MigrationInterface {
  name = 'BlockingKeyUnlogged1764151200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blocking_key SET UNLOGGED`);
    await q.query(`
      CREATE UNLOGGED TABLE blocking_index_state (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        rebuilt_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The keys are complete now (they were logged until this statement).
    await q.query(`INSERT INTO blocking_index_state DEFAULT VALUES`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blocking_index_state`);
    await q.query(`ALTER TABLE blocking_key SET LOGGED`);
  }
}
