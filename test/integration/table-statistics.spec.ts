import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TableStatisticsRepository } from '../../src/database/table-statistics.repository.js';
import { TableStatisticsService } from '../../src/database/table-statistics.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { householdPopulation } from '../factories/household-population.js';

// The test server runs with autovacuum off (as CI does), so only the service analyzes.
describe('table statistics without autovacuum', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.reset();
    await t.createOrganization('stats-org', 'urn:oid:1.2.840.99.77');
  });
  afterAll(() => t.close());

  it('analyzes the tables a feed grows once enough rows changed, so the planner sees their real size', async () => {
    const admin = await t.adminToken();
    const records = householdPopulation({ seed: 3, households: 40 }).records.slice(0, 60);
    for (const [i, r] of records.entries()) {
      const res = await t.http().put(`/api/v1/organizations/stats-org/records/s-${i}`).auth(admin, { type: 'bearer' }).send(r.demographics);
      expect(res.status).toBe(201);
    }
    const repository = t.app.get(TableStatisticsRepository);
    // Backends report their row counts to the statistics views within seconds, not at once:
    // wait until each table's reported changes cover its rows. (A record's row may change more
    // than once: its answer for replays is written after it. Waiting for 60 source_record
    // changes alone once ended before the persons of the last PUTs were reported.)
    const grown = ['source_record', 'blocking_key', 'record_link', 'person'];
    await vi.waitFor(
      async () => {
        const activity = await repository.activity();
        for (const table of grown) {
          const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
          expect(activity.find((a) => a.table === table)?.modifiedSinceAnalyze, table).toBeGreaterThanOrEqual(n);
        }
      },
      { timeout: 20_000, interval: 500 },
    );
    const analyzed = await t.app.get(TableStatisticsService).analyzeDueTables();
    expect(analyzed).toEqual(expect.arrayContaining(grown));
    const [{ reltuples }] = await t.dataSource.query(`SELECT reltuples FROM pg_class WHERE oid = 'source_record'::regclass`);
    expect(Number(reltuples)).toBe(60);
  }, 60_000);

  it('vacuums tables as autovacuum would, so the blocks are read by index-only scans without heap fetches', async () => {
    const repository = t.app.get(TableStatisticsRepository);
    expect(await repository.vacuum(['blocking_key', 'source_record'])).toBe(true);
    const rows: Array<{ relname: string; vacuumed: boolean }> = await t.dataSource.query(
      `SELECT relname, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname IN ('blocking_key', 'source_record') ORDER BY relname`,
    );
    expect(rows).toEqual([{ relname: 'blocking_key', vacuumed: true }, { relname: 'source_record', vacuumed: true }]);
    // Every page of the keys is all-visible now: an index-only scan needs no heap fetch.
    const [{ visible, pages }] = await t.dataSource.query(`SELECT relallvisible AS visible, relpages AS pages FROM pg_class WHERE oid = 'blocking_key'::regclass`);
    expect(Number(pages)).toBeGreaterThan(0);
    expect(Number(visible)).toBe(Number(pages));
    // Another process holding the analyzer lock means the work is being done: nothing twice.
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock($1, $2)`, [0x4d5049, 1]);
      expect(await repository.vacuum(['blocking_key'])).toBe(false);
      await other.query(`SELECT pg_advisory_unlock($1, $2)`, [0x4d5049, 1]);
    } finally {
      await other.release();
    }
  }, 60_000);
});
