import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { febrlDirectory, readFebrl } from '../../scripts/febrl.js';
import { partition, waitForLoad } from '../support/batch.js';

/**
 * A batch scores each row with the index size and name counts the one-by-one feed would
 * have used: the records before it. The default rule set ignores the index size below 1,000
 * records (term frequencies) and 10,000 (the prior), so this runs a copy that uses both from
 * 10 records on, and compares every stored decision, not only the persons.
 */
const ORG = 'north';
// FEBRL1: 1,000 records, 500 of them duplicates of the others (the truth is not used here).
// Those with no name at all are left out (the feed answers 400 for them).
const rows = readFebrl(febrlDirectory(), 'dataset1.csv', ORG)
  .map((r, i) => ({ localId: `mrn-${i + 1}`, demographics: r.demographics }))
  .filter((r) => r.demographics.name.some((n) => n.family || n.given?.length));
const ndjson = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('batch loads score with the index size of the one-by-one feed', () => {
  let t: TestApp;
  beforeAll(async () => {
    const rules = JSON.parse(readFileSync('matching-rules/default.json', 'utf8'));
    rules.version = `${rules.version}-small-index`;
    rules.termFrequency.minRecords = 10;
    rules.prior.minRecords = 10;
    const file = join(mkdtempSync(join(tmpdir(), 'mpi-rules-')), 'small-index.json');
    writeFileSync(file, JSON.stringify(rules));
    t = await startTestApp({ env: { MATCHING_RULES_PATH: file, BATCH_CHUNK_ROWS: '100', BATCH_CONCURRENCY: '2' } });
  });
  afterAll(async () => t?.close());

  /** Each record's decisions in order: score and prior weight (the index size), rounded to 1e-9. */
  const decisions = async () => {
    const rows: Array<{ local: string; score: number | null; prior: number | null; reason: string }> = await t.dataSource.query(
      `SELECT r.local_id AS local, e.score, e.prior_weight AS prior, e.reason FROM link_event e JOIN source_record r ON r.id = e.record_id ORDER BY r.local_id, e.id`,
    );
    const round = (x: number | null) => (x === null ? null : Math.round(x * 1e9) / 1e9);
    return rows.map((r) => [r.local, round(r.score), round(r.prior), r.reason]);
  };

  it('gives every record the same score, prior and person as feeding the rows one by one', async () => {
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.5001');
    let feed = (await t.clientToken(['feed'], ORG)).token;
    for (const r of rows) {
      await t.http().put(`/api/v1/organizations/${ORG}/records/${r.localId}`).auth(feed, { type: 'bearer' }).send(r.demographics).expect(201);
    }
    const single = { persons: await partition(t), decisions: await decisions() };
    // The index size shows in the decisions (the prior follows it), so this compares something.
    expect(new Set(single.decisions.map((d) => d[2]).filter((p) => p !== null)).size).toBeGreaterThan(100);

    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.5001');
    feed = (await t.clientToken(['feed'], ORG)).token;
    const res = await t.http().post(`/api/v1/batch-loads?organizationId=${ORG}&format=ndjson`).auth(feed, { type: 'bearer' }).set('content-type', 'application/x-ndjson').send(ndjson).expect(202);
    const done = await waitForLoad(t, feed, res.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { rows: rows.length, created: rows.length, rejected: 0 } });
    const got = await decisions();
    expect(got).toEqual(single.decisions);
    expect(await partition(t)).toEqual(single.persons);
  });
});
