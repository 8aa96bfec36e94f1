import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemographics, withGiven } from '../factories/demographics.js';
import { BlockingIndexService } from '../../src/matching/blocking-index.service.js';
import { waitForLoad } from '../support/batch.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The blocking keys are unlogged (migration BlockingKeyUnlogged): a crash of the database server
 * empties them and their marker. What recovery leaves is simulated by emptying both; the
 * service must then refuse to link or match (503, nothing written) until it has rebuilt the keys
 * from the stored records, and the rebuilt keys must be the ones the feeds wrote.
 */
describe('blocking keys lost with the database server (unlogged) and rebuilt', () => {
  let t: TestApp;
  let index: BlockingIndexService;
  let feed: string;
  let query: string;
  beforeAll(async () => {
    t = await startTestApp();
    index = t.app.get(BlockingIndexService);
    // The test decides when the rebuild runs.
    index.watch(false);
    await t.reset();
    await t.createOrganization('mercy', 'urn:oid:2.16.840.1.113883.3.7101');
    feed = (await t.clientToken(['feed'], 'mercy')).token;
    query = (await t.clientToken(['query'], 'mercy')).token;
  });
  afterAll(async () => {
    // Leave the shared test database complete whatever happened above.
    await index?.rebuild();
    await t?.close();
  });

  const put = (localId: string, body: object) => t.http().put(`/api/v1/organizations/mercy/records/${localId}`).auth(feed, { type: 'bearer' }).send(body);
  const keys = async (): Promise<string[]> =>
    (await t.dataSource.query(`SELECT r.local_id || ' ' || k.key AS k FROM blocking_key k JOIN source_record r ON r.id = k.record_id ORDER BY 1`)).map((x: { k: string }) => x.k);
  const count = async (table: string): Promise<number> => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  const crash = () => t.dataSource.query(`DELETE FROM blocking_key; DELETE FROM blocking_index_state`);

  const patient = buildDemographics({}, 0);
  const other = buildDemographics({}, 1);

  it('refuses feeds, updates and matches while the keys are missing, writing nothing', async () => {
    const first = await put('M-1', patient).expect(201);
    await put('M-2', other).expect(201);
    const before = await keys();
    expect(before.length).toBeGreaterThan(10);
    await crash();
    const counts = { records: await count('source_record'), persons: await count('person'), events: await count('link_event') };

    const refused = await put('M-3', withGiven(patient, 'Bill')).expect(503);
    expect(refused.body).toMatchObject({ code: 'BLOCKING_INDEX_REBUILDING' });
    expect(refused.headers['retry-after']).toBeDefined();
    // An update of a stored record re-evaluates its link: refused as well.
    await put('M-2', { ...other, birthDate: '1970-01-02' }).expect(503);
    const match = await t.http().post('/api/v1/match').auth(query, { type: 'bearer' }).send({ demographics: patient });
    expect(match.status).toBe(503);
    expect(await count('source_record')).toBe(counts.records);
    expect(await count('person')).toBe(counts.persons);
    expect(await count('link_event')).toBe(counts.events);
    expect(await count('blocking_key')).toBe(0);

    // The rebuild puts back exactly the keys the feeds had written, and links resume.
    const rebuilt = await index.rebuild();
    expect(rebuilt).toMatchObject({ records: 2, keys: before.length });
    expect(await keys()).toEqual(before);
    expect(index.state).toBe('complete');
    expect(await index.rebuild()).toBeNull();
    const third = await put('M-3', withGiven(patient, 'Bill')).expect(201);
    expect(third.body.personId).toBe(first.body.personId);
    const health = await t.http().get('/health').expect(200);
    expect(health.body.blockingIndex).toBe('complete');
  });

  it('a batch load waits for the rebuild instead of spending its chunks\' attempts, then links as usual', async () => {
    await crash();
    const csv = ['given,family,localId,birthDate,sex', 'Jonathon,Whitaker,B-1,1984-03-07,male'].join('\n');
    const res = await t.http().post('/api/v1/batch-loads?organizationId=mercy').auth(feed, { type: 'bearer' }).set('content-type', 'text/csv').send(csv).expect(202);
    const done = await waitForLoad(t, feed, res.body.id);
    expect(done).toMatchObject({ status: 'completed', chunks: { total: 1, done: 1, failed: 0 }, counts: { created: 1, linked: 1 } });
    const persons = await t.dataSource.query(
      `SELECT r.local_id AS "localId", l.person_id AS "personId" FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.local_id IN ('M-1', 'B-1') ORDER BY 1`,
    );
    expect(persons[0].personId).toBe(persons[1].personId);
    expect(await count('blocking_index_state')).toBe(1);
  });

  it('a check, and a process starting, find the marker gone and rebuild; of two processes rebuilding at once, one does the work', async () => {
    const before = await keys();
    await crash();
    await index.check();
    expect(await keys()).toEqual(before);

    // A process that starts with the marker gone rebuilds on its own.
    await crash();
    const other = await startTestApp();
    try {
      const second = other.app.get(BlockingIndexService);
      second.watch(false);
      await second.untilComplete();
      expect(await keys()).toEqual(before);

      await crash();
      const results = await Promise.all([index.rebuild(), second.rebuild()]);
      expect(results.filter((r) => r !== null)).toEqual([expect.objectContaining({ records: 4, keys: before.length })]);
      expect(await keys()).toEqual(before);
      expect(await count('blocking_index_state')).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('npm run keys:rebuild rewrites the keys at once, also complete ones (a new rule set\'s blocking rules)', async () => {
    const before = await keys();
    await t.dataSource.query(`DELETE FROM blocking_key WHERE key LIKE 'ssn:%'`);
    expect(await keys()).not.toEqual(before);
    const run = spawnSync('npx', ['tsx', 'src/matching/rebuild-keys-cli.ts'], { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`rebuilt the blocking keys of 4 records \\(${before.length} keys\\) with rule set us-hie-default`));
    expect(await keys()).toEqual(before);
    expect(await count('blocking_index_state')).toBe(1);
  });
});
