import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatchingService } from '../../src/matching/matching.service.js';
import { buildDemographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The index size that scales the prior and the name frequencies is read from the database at
 * most every 10 s; what this process commits in between counts at once, so records fed one
 * after another are each scored against the exact index size, however fast they come.
 */
describe('the index size used for scoring', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.reset();
    await t.createOrganization('north', 'urn:oid:2.16.840.1.113883.3.6001');
  });
  afterAll(async () => t?.close());

  it('follows creations, returns from retirement and retirements of this process at once', async () => {
    const matching = t.app.get(MatchingService);
    const admin = await t.adminToken();
    const size = () => matching.recordCountFor(t.dataSource.manager);
    const put = (localId: string, seed: number) =>
      t.http().put(`/api/v1/organizations/north/records/${localId}`).auth(admin, { type: 'bearer' }).send(buildDemographics({}, seed));
    const retire = (localId: string) => t.http().delete(`/api/v1/organizations/north/records/${localId}`).auth(admin, { type: 'bearer' }).expect(204);

    matching.invalidateRecordCount();
    expect(await size()).toBe(0); // read from the database now: cached for 10 s from here
    for (let i = 0; i < 3; i++) {
      await put(`r-${i}`, i).expect(201);
      expect(await size()).toBe(i + 1);
    }
    await put('r-0', 0).expect(200); // the same body again: no new record
    await put('r-1', 4).expect(200); // an update: still one record
    expect(await size()).toBe(3);
    await retire('r-2');
    await retire('r-2'); // retiring twice retires once
    expect(await size()).toBe(2);
    await put('r-2', 2).expect(200); // back from retirement
    expect(await size()).toBe(3);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`);
    expect(n).toBe(3);
  });

  it('counts a batch chunk from just before its COMMIT, takes it back when the commit fails, and never re-reads the count over a pending one', async () => {
    const matching = t.app.get(MatchingService);
    const size = () => matching.recordCountFor(t.dataSource.manager);
    matching.invalidateRecordCount();
    const base = await size();
    matching.recordsActivatedPending(100);
    expect(await size()).toBe(base + 100);
    matching.settleRecordsActivated(100, false);
    expect(await size()).toBe(base);
    matching.recordsActivatedPending(50);
    // A re-read now would count none of the 50 (they are not committed) and lose them.
    matching.invalidateRecordCount();
    expect(await size()).toBe(base + 50);
    matching.settleRecordsActivated(50, true);
    // Settled, the count is read again at once (the skipped read is due); these 50 were
    // never written, so it finds the table's.
    expect(await size()).toBe(base);
  });
});
