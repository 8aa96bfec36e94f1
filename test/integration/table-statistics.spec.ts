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
    // Backends report their row counts to the statistics views within seconds, not at once.
    await vi.waitFor(
      async () => expect((await repository.activity()).find((a) => a.table === 'source_record')?.modifiedSinceAnalyze).toBeGreaterThanOrEqual(60),
      { timeout: 20_000, interval: 500 },
    );
    const analyzed = await t.app.get(TableStatisticsService).analyzeDueTables();
    expect(analyzed).toEqual(expect.arrayContaining(['source_record', 'blocking_key', 'record_link', 'person']));
    const [{ reltuples }] = await t.dataSource.query(`SELECT reltuples FROM pg_class WHERE oid = 'source_record'::regclass`);
    expect(Number(reltuples)).toBe(60);
  }, 60_000);
});
