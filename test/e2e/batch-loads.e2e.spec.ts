import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchChunkProcessor } from '../../src/batch/batch-chunk.processor.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { syntheticPatients, toCsv, type SyntheticRow } from '../factories/synthetic-patients.js';
import { assertIntegrity, partition, waitForLoad } from '../support/batch.js';

const ORG = 'north';
const CHUNK_ROWS = 25;

const rows = [...syntheticPatients(120, { seed: 7, duplicateShare: 0.5 })];
const csv = toCsv(rows);

function demographicsOf(row: SyntheticRow) {
  const f = row.fields;
  return {
    name: [{ family: f.family, given: [f.given, f.middle].filter(Boolean) }],
    birthDate: f.birthDate,
    sex: f.sex,
    address: [{ ...(f.line1 || f.line2 ? { line: [f.line1, f.line2].filter(Boolean) } : {}), city: f.city, state: f.state, postalCode: f.postalCode, country: f.country }],
    ...(f.phone || f.email ? { telecom: [...(f.phone ? [{ system: 'phone', value: f.phone }] : []), ...(f.email ? [{ system: 'email', value: f.email }] : [])] } : {}),
    ...(f.ssn ? { identifiers: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: f.ssn }] } : {}),
    ...(f.mothersMaidenName ? { mothersMaidenName: f.mothersMaidenName } : {}),
  };
}

describe.each([
  { mode: 'in-process', redis: false },
  { mode: 'Bull on Redis', redis: true },
])('batch loads ($mode)', ({ redis }) => {
  let t: TestApp;
  let admin: string;
  let feed: string;
  beforeAll(async () => {
    t = await startTestApp({ redis, env: { BATCH_CHUNK_ROWS: String(CHUNK_ROWS), BATCH_UPLOAD_LIMIT: '200kb' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.5001');
    await t.createOrganization('south', 'urn:oid:2.16.840.1.113883.3.5002');
    admin = await t.adminToken();
    feed = (await t.clientToken(['feed'], ORG)).token;
  });

  const upload = (body: string, type: string, query = `organizationId=${ORG}`, token = feed) =>
    t.http().post(`/api/v1/batch-loads?${query}`).auth(token, { type: 'bearer' }).set('content-type', type).send(body);

  it('loads a CSV file with the same persons as feeding the records one by one', async () => {
    for (const r of rows) {
      await t.http().put(`/api/v1/organizations/${ORG}/records/${r.localId}`).auth(feed, { type: 'bearer' }).send(demographicsOf(r)).expect(201);
    }
    const single = await partition(t);
    const [{ n: singleEvents }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM link_event`);
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.5001');
    feed = (await t.clientToken(['feed'], ORG)).token;

    const res = await upload(csv, 'text/csv').expect(202);
    expect(res.body).toMatchObject({ id: expect.any(String), status: 'queued' });
    const done = await waitForLoad(t, feed, res.body.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ rows: 120, created: 120, updated: 0, unchanged: 0, rejected: 0 });
    expect(done.chunks).toMatchObject({ total: 5, done: 5, failed: 0 });
    expect(await partition(t)).toEqual(single);
    const [{ n: events }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM link_event`);
    expect(events).toBe(singleEvents);
    // Every link decision carries the rule set that made it.
    const [{ n: unversioned }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM link_event WHERE rule_set_hash = '' OR rule_set_version = ''`);
    expect(unversioned).toBe(0);
    await assertIntegrity(t);
    const audit = await t.dataSource.query(`SELECT action, details FROM audit_event WHERE action LIKE 'batch-load.%' ORDER BY occurred_at`);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['batch-load.start', 'batch-load.finish']);
    expect(audit[1].details.counts.created).toBe(120);
  });

  it('reports bad rows with row number, local id and field errors, and loads the rest', async () => {
    const body = [
      'given,family,localId,birthDate,sex',
      'Ann,Lee,A1,1980-02-03,female',
      'Bob,,A2,1980-02-30,male',
      ',,A3,,',
      'Cy,Ng,,1990-01-01,male',
      'Di,Ho,A5,1970-01-01,robot',
      'Ed,Fox,A6',
      'Flo,Gee,A7,2001-07-04,female',
    ].join('\n');
    const res = await upload(body, 'text/csv').expect(202);
    const done = await waitForLoad(t, feed, res.body.id);
    expect(done.counts).toMatchObject({ rows: 7, created: 2, rejected: 5 });
    const errors = await t.http().get(`/api/v1/batch-loads/${res.body.id}/errors`).auth(feed, { type: 'bearer' }).expect(200);
    expect(errors.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = errors.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.row, l.localId])).toEqual([[2, 'A2'], [3, 'A3'], [4, null], [5, 'A5'], [6, 'A6']]);
    expect(lines[0].errors).toEqual([{ field: 'birthDate', messages: [expect.stringContaining('calendar date')] }]);
    expect(lines[1].errors[0].field).toBe('name');
    expect(lines[2].errors[0].field).toBe('localId');
    expect(lines[3].errors[0].field).toBe('sex');
    expect(lines[4].errors[0].field).toBe('row');
    // Never the rejected values.
    expect(errors.text).not.toMatch(/1980-02-30|robot|Bob/);
  });

  it('reports rows holding a NUL character (which PostgreSQL cannot store) and loads the rest', async () => {
    const csvBody = ['localId,family,given', 'B1,Lee,Ann', 'B2,Ng\u0000,Cy', 'B\u00003,Ho,Di', 'B4,Fox,Ed'].join('\n');
    const c = await upload(csvBody, 'text/csv').expect(202);
    const cDone = await waitForLoad(t, feed, c.body.id);
    expect(cDone).toMatchObject({ status: 'completed', counts: { rows: 4, created: 2, rejected: 2 } });
    const cErrors = (await t.http().get(`/api/v1/batch-loads/${c.body.id}/errors`).auth(feed, { type: 'bearer' }).expect(200)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(cErrors).toEqual([
      { row: 2, localId: 'B2', errors: [{ field: 'family', messages: ['must not contain the NUL character (U+0000)'] }] },
      { row: 3, localId: null, errors: [{ field: 'localId', messages: ['must not contain the NUL character (U+0000)'] }] },
    ]);
    const ndjson = [
      JSON.stringify({ localId: 'N1', demographics: { name: [{ family: 'Lee\u0000' }] } }),
      `{"localId":"N2","demographics":{"name":[{"family":"Ng\u0000"}]}}`,
      JSON.stringify({ localId: 'N3', demographics: { name: [{ family: 'Ho' }] }, ['x\u0000']: 1 }),
      JSON.stringify({ localId: 'N4', demographics: { name: [{ family: 'Fox' }] } }),
    ].join('\n');
    const n = await upload(ndjson, 'application/x-ndjson', `organizationId=${ORG}&format=ndjson`).expect(202);
    const nDone = await waitForLoad(t, feed, n.body.id);
    expect(nDone).toMatchObject({ status: 'completed', counts: { rows: 4, created: 1, rejected: 3 } });
    const nErrors = (await t.http().get(`/api/v1/batch-loads/${n.body.id}/errors`).auth(feed, { type: 'bearer' }).expect(200)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(nErrors.map((e: { row: number; localId: string | null; errors: Array<{ field: string }> }) => [e.row, e.localId, e.errors.map((x) => x.field)])).toEqual([
      [1, 'N1', ['demographics.name[0].family']],
      [2, null, ['row']],
      [3, 'N3', ['x\\u0000']],
    ]);
  });

  it('reports rows holding an unpaired surrogate (a lone \\ud800 escape, which jsonb refuses) and loads the rest', async () => {
    const message = 'must be valid Unicode text (it holds an unpaired surrogate, U+D800-U+DFFF)';
    const ndjson = [
      JSON.stringify({ localId: 'U1', demographics: { name: [{ family: 'Lee' }] } }),
      '{"localId":"U2","demographics":{"name":[{"family":"Ng\\ud800"}]}}',
      '{"localId":"U\\ud8003","demographics":{"name":[{"family":"Ho"}]}}',
      '{"localId":"U4","demographics":{"name":[{"family":"Ho"}]},"x\\udc00":1}',
      JSON.stringify({ localId: 'U5', demographics: { name: [{ family: 'Fox 😀' }] } }),
    ].join('\n');
    const n = await upload(ndjson, 'application/x-ndjson', `organizationId=${ORG}&format=ndjson`).expect(202);
    expect(await waitForLoad(t, feed, n.body.id)).toMatchObject({ status: 'completed', counts: { rows: 5, created: 2, rejected: 3 } });
    const errors = (await t.http().get(`/api/v1/batch-loads/${n.body.id}/errors`).auth(feed, { type: 'bearer' }).expect(200)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(errors).toEqual([
      { row: 2, localId: 'U2', errors: [{ field: 'demographics.name[0].family', messages: [message] }] },
      { row: 3, localId: null, errors: [{ field: 'localId', messages: ['localId must be 1-100 characters without spaces, slashes, control characters or unpaired surrogates'] }] },
      { row: 4, localId: 'U4', errors: [{ field: 'x\\uDC00', messages: ['unknown field'] }] },
    ]);
  });

  it('reports a row nested thousands deep (class-transformer would exhaust the stack) and loads the rest', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const ndjson = [
      JSON.stringify({ localId: 'D1', demographics: { name: [{ family: 'Lee' }] } }),
      `{"localId":"D2","demographics":{"name":${deep}}}`,
      JSON.stringify({ localId: 'D3', demographics: { name: [{ family: 'Fox' }] } }),
    ].join('\n');
    const n = await upload(ndjson, 'application/x-ndjson', `organizationId=${ORG}&format=ndjson`).expect(202);
    expect(await waitForLoad(t, feed, n.body.id)).toMatchObject({ status: 'completed', counts: { rows: 3, created: 2, rejected: 1 } });
    const errors = (await t.http().get(`/api/v1/batch-loads/${n.body.id}/errors`).auth(feed, { type: 'bearer' }).expect(200)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(errors).toEqual([{ row: 2, localId: 'D2', errors: [{ field: `demographics.name${'[0]'.repeat(31)}`, messages: ['must not nest objects or arrays more than 32 deep'] }] }]);
  });

  it('loads NDJSON raw and CSV as multipart, and re-uploading the same file changes nothing', async () => {
    const nd = rows.slice(0, 30).map((r) => JSON.stringify({ localId: r.localId, demographics: demographicsOf(r) })).join('\n');
    const a = await upload(`${nd}\n{"localId":"X1"}\nnot json\n`, 'application/x-ndjson').expect(202);
    const da = await waitForLoad(t, feed, a.body.id);
    expect(da.counts).toMatchObject({ rows: 32, created: 30, rejected: 2 });
    const errs = (await t.http().get(`/api/v1/batch-loads/${a.body.id}/errors`).auth(feed, { type: 'bearer' })).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(errs).toEqual([
      { row: 31, localId: 'X1', errors: [{ field: 'demographics', messages: ['is required'] }] },
      { row: 32, localId: null, errors: [{ field: 'row', messages: ['is not valid JSON'] }] },
    ]);

    const multipart = () =>
      t.http().post(`/api/v1/batch-loads?organizationId=${ORG}`).auth(feed, { type: 'bearer' }).attach('file', Buffer.from(csv), { filename: 'patients.csv', contentType: 'text/csv' });
    const b = await multipart().expect(202);
    const db = await waitForLoad(t, feed, b.body.id);
    expect(db.counts).toMatchObject({ rows: 120, created: 90, unchanged: 30, rejected: 0 });
    const snapshot = async () => ({
      parts: await partition(t),
      tables: await t.dataSource.query(
        `SELECT (SELECT count(*) FROM source_record)::int AS records, (SELECT count(*) FROM person)::int AS persons,
                (SELECT count(*) FROM link_event)::int AS events, (SELECT count(*) FROM review_task)::int AS tasks,
                (SELECT coalesce(sum(n), 0) FROM term_frequency)::int AS tf, (SELECT max(updated_at) FROM source_record) AS updated`,
      ),
    });
    const before = await snapshot();
    const c = await multipart().expect(202);
    const dc = await waitForLoad(t, feed, c.body.id);
    expect(dc.counts).toMatchObject({ rows: 120, created: 0, updated: 0, unchanged: 120, rejected: 0 });
    expect(await snapshot()).toEqual(before);
    await assertIntegrity(t);
  });

  it('runs a chunk twice without changing anything, and a chunk that dies mid-transaction is retried whole', async () => {
    // The first attempt at chunk 2 dies at its last statement, after every record, link and event was written.
    await t.dataSource.query(`DROP SEQUENCE IF EXISTS test_fail_once; CREATE SEQUENCE test_fail_once`);
    await t.dataSource.query(`
      CREATE OR REPLACE FUNCTION test_fail_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- nextval is not rolled back with the failing transaction: the second attempt passes.
        IF NEW.seq = 2 AND NEW.status = 'done' AND nextval('test_fail_once') = 1 THEN
          RAISE EXCEPTION 'simulated crash' USING ERRCODE = '57P01';
        END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query(`CREATE TRIGGER test_fail_chunk BEFORE UPDATE ON batch_chunk FOR EACH ROW EXECUTE FUNCTION test_fail_chunk()`);
    try {
      const res = await upload(csv, 'text/csv').expect(202);
      const done = await waitForLoad(t, feed, res.body.id);
      expect(done.status).toBe('completed');
      expect(done.counts).toMatchObject({ rows: 120, created: 120 });
      const [{ attempts }] = await t.dataSource.query(`SELECT attempts FROM batch_chunk WHERE load_id = $1 AND seq = 2`, [res.body.id]);
      // The failed attempt, then the retry; on Bull, its delayed retry (promoted every 5 s) and
      // the next chunk's job, which links a chunk pending that long itself, may both start one
      // (one links, the other finds it done).
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(3);
      await assertIntegrity(t);
      const [{ n: events }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM link_event`);
      expect(events).toBe(120);
      const parts = await partition(t);
      // The same job again (a duplicated or retried Bull job): nothing changes.
      await t.app.get(BatchChunkProcessor).run({ loadId: res.body.id, seq: 2 });
      await t.app.get(BatchChunkProcessor).resume();
      expect(await partition(t)).toEqual(parts);
      const [{ n: after }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM link_event`);
      expect(after).toBe(120);
      expect((await waitForLoad(t, feed, res.body.id)).counts.created).toBe(120);
    } finally {
      await t.dataSource.query(`DROP TRIGGER IF EXISTS test_fail_chunk ON batch_chunk`);
    }
  });

  it('refuses bad uploads with a 4xx naming the problem and stores nothing', async () => {
    const r1 = await upload('localId,family,given,shoeSize,eyeColor\nA,B,C,9,blue\n', 'text/csv').expect(400);
    expect(r1.body.details.map((d: { field: string }) => d.field)).toEqual(['columns.shoeSize', 'columns.eyeColor']);
    expect((await upload('{}', 'application/json').expect(415)).body.code).toBe('BATCH_UNSUPPORTED_MEDIA_TYPE');
    expect((await upload(csv, 'text/csv', `organizationId=${ORG}&format=xml`).expect(400)).body.details[0].field).toBe('format');
    await upload(csv, 'text/csv', 'organizationId=nowhere', admin).expect(404);
    await upload(csv, 'text/csv', 'organizationId=south').expect(403);
    const big = toCsv(syntheticPatients(2500, { seed: 3 }));
    const r413 = await upload(big, 'text/csv').expect(413);
    expect(r413.body.message).toMatch(/BATCH_UPLOAD_LIMIT/);
    await t.http().post(`/api/v1/batch-loads?organizationId=${ORG}`).auth(feed, { type: 'bearer' }).field('other', 'x').expect(400);
    // An unclosed quote: the data row and the file's line it is on (the row before spans two lines).
    const unclosed = await upload('localId,family\r\nQ1,Lee\r\nQ2,"Ng\r\nson"\r\nQ3,"Ho\r\nQ4,Fox\r\n', 'text/csv').expect(400);
    expect(unclosed.body).toMatchObject({ code: 'BATCH_MALFORMED_FILE', details: [{ field: 'file', messages: [expect.stringMatching(/^not valid CSV near row 3 \(line \d+\) \(CSV_QUOTE_NOT_CLOSED\)$/)] }] });
    await t.http().get('/api/v1/batch-loads/not-a-uuid').auth(feed, { type: 'bearer' }).expect(400);
    await t.http().get('/api/v1/batch-loads/00000000-0000-4000-8000-000000000000').auth(feed, { type: 'bearer' }).expect(404);
    const [{ n }] = await t.dataSource.query(`SELECT (SELECT count(*) FROM batch_load) + (SELECT count(*) FROM source_record) AS n`);
    expect(Number(n)).toBe(0);
  });

  it('shows operators the job queue and its failed jobs (admin only)', async () => {
    const res = await t.http().get('/api/v1/jobs').auth(admin, { type: 'bearer' }).expect(200);
    expect(res.body.queue).toMatchObject({ mode: redis ? 'redis' : 'in-process', status: 'up' });
    expect(Array.isArray(res.body.failed)).toBe(true);
    await t.http().get('/api/v1/jobs').auth(feed, { type: 'bearer' }).expect(403);
  });
});
