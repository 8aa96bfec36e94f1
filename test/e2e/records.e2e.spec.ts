import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, withGiven, withPhone } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('records: the identity feed (PUT, GET, DELETE)', () => {
  let t: TestApp;
  let admin: string;
  let feedA: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    admin = await t.adminToken();
    await createOrg('mercy', 'urn:oid:2.16.840.1.113883.3.1001');
    await createOrg('valley', 'urn:oid:2.16.840.1.113883.3.1002');
    feedA = (await t.clientToken(['feed'], 'mercy')).token;
  });

  const createOrg = (id: string, aa: string) =>
    t.http().post('/api/v1/organizations').auth(admin, { type: 'bearer' }).send({ id, name: id, assigningAuthority: aa }).expect(201);
  const put = (body: unknown, localId = 'MRN-1001', org = 'mercy', token = feedA) =>
    t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(token, { type: 'bearer' }).send(body as object);
  const get = (localId = 'MRN-1001', org = 'mercy', token = feedA) =>
    t.http().get(`/api/v1/organizations/${org}/records/${localId}`).auth(token, { type: 'bearer' });
  const del = (localId = 'MRN-1001', org = 'mercy', token = feedA) =>
    t.http().delete(`/api/v1/organizations/${org}/records/${localId}`).auth(token, { type: 'bearer' });
  const count = async (sql: string, params: unknown[] = []): Promise<number> => (await t.dataSource.query(sql, params))[0].n;
  const counts = async () => ({
    records: await count(`SELECT count(*)::int AS n FROM source_record`),
    persons: await count(`SELECT count(*)::int AS n FROM person`),
    links: await count(`SELECT count(*)::int AS n FROM record_link`),
    events: await count(`SELECT count(*)::int AS n FROM link_event`),
  });
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('creates a record (201) linked to a new person, and GET returns it with its person and demographics', async () => {
    const demographics = buildDemographics();
    const res = await put(demographics).expect(201);
    expect(res.body).toMatchObject({
      organizationId: 'mercy',
      localId: 'MRN-1001',
      link: { method: 'auto', grade: null, score: null },
      decision: { outcome: 'new-person', reviewTaskIds: [] },
    });
    expect(res.body.recordId).toMatch(uuid);
    expect(res.body.personId).toMatch(uuid);
    expect(res.body.recordId).not.toBe(res.body.personId);

    const got = await get().expect(200);
    expect(got.body).toMatchObject({
      recordId: res.body.recordId,
      organizationId: 'mercy',
      localId: 'MRN-1001',
      personId: res.body.personId,
      link: { method: 'auto' },
      demographics,
    });
    const [row] = await t.dataSource.query(`SELECT r.status, l.person_id FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.id = $1`, [res.body.recordId]);
    expect(row).toEqual({ status: 'active', person_id: res.body.personId });
  });

  it('answers 200 with the same record and person when the same body is sent twice, and changes nothing', async () => {
    const first = await put(buildDemographics()).expect(201);
    const before = await counts();
    expect(before).toEqual({ records: 1, persons: 1, links: 1, events: 1 });
    const [{ updated_at: updatedBefore }] = await t.dataSource.query(`SELECT updated_at FROM source_record WHERE id = $1`, [first.body.recordId]);

    const again = await put(buildDemographics()).expect(200);
    expect(again.body).toMatchObject({ recordId: first.body.recordId, personId: first.body.personId, decision: { outcome: 'new-person' } });
    expect(await counts()).toEqual(before);
    const [{ updated_at: updatedAfter }] = await t.dataSource.query(`SELECT updated_at FROM source_record WHERE id = $1`, [first.body.recordId]);
    expect(updatedAfter).toEqual(updatedBefore);
    const history = await t.dataSource.query(`SELECT event FROM link_event WHERE record_id = $1`, [first.body.recordId]);
    expect(history).toEqual([{ event: 'link' }]);
  });

  it('updates a record with changed demographics (200) and keeps it one row', async () => {
    const first = await put(buildDemographics()).expect(201);
    const changed = withPhone(buildDemographics({ address: [{ line: ['77 Lakeview Ter'], city: 'Middleton', state: 'WI', postalCode: '53562', country: 'US' }] }), '608-555-0199');
    const res = await put(changed).expect(200);
    expect(res.body).toMatchObject({ recordId: first.body.recordId, personId: first.body.personId, organizationId: 'mercy', localId: 'MRN-1001' });
    expect(await count(`SELECT count(*)::int AS n FROM source_record WHERE organization_id = 'mercy' AND local_id = 'MRN-1001'`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(1);
    const got = await get().expect(200);
    expect(got.body.demographics).toEqual(changed);
    expect(got.body.demographics.address[0].city).toBe('Middleton');
  });

  describe('refuses bad demographics with 400 naming the field, and stores nothing', () => {
    const base = buildDemographics();
    const cases: Array<[string, unknown, string]> = [
      ['an impossible date (2023-02-30)', { ...base, birthDate: '2023-02-30' }, 'birthDate'],
      ['a future birth date', { ...base, birthDate: `${new Date().getUTCFullYear() + 1}-01-15` }, 'birthDate'],
      ["an unknown sex code ('x')", { ...base, sex: 'x' }, 'sex'],
      ['an empty name list', { ...base, name: [] }, 'name'],
      ['a name with a blank family and no given name', { ...base, name: [{ family: '  ', given: [] }] }, 'name'],
      ['a birth date as a number', { ...base, birthDate: 19840307 }, 'birthDate'],
      ['given names as a string', { ...base, name: [{ family: 'Whitaker', given: 'Ann' }] }, 'name[0].given'],
      ['an unknown field', { ...base, favouriteColor: 'teal' }, 'favouriteColor'],
    ];
    for (const [label, body, field] of cases) {
      it(`${label} → 400 naming ${field}`, async () => {
        const before = await count(`SELECT count(*)::int AS n FROM source_record`);
        const res = await put(body).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
        expect(res.body.requestId).toBeTruthy();
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
        expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before);
        expect(await count(`SELECT count(*)::int AS n FROM person`)).toBe(0);
      });
    }

    it('names every bad field of one body at once', async () => {
      const res = await put({ ...base, birthDate: '2023-02-30', sex: 'x', extra: 1 }).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['birthDate', 'extra', 'sex']);
      const birth = res.body.details.find((d: { field: string }) => d.field === 'birthDate');
      expect(birth.messages.join(' ')).toMatch(/calendar date/);
    });

    it('a 2 MB body → 413 without echoing it', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM source_record`);
      const res = await put({ ...base, mothersMaidenName: 'Q'.repeat(2 * 1024 * 1024) }).expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(JSON.stringify(res.body)).not.toContain('QQQQ');
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before);
    });

    it('a bad localId in the path → 400 naming localId', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM source_record`);
      const spaced = await put(base, 'MRN%201001').expect(400);
      expect(spaced.body.details.map((d: { field: string }) => d.field)).toEqual(['localId']);
      const tooLong = await put(base, 'M'.repeat(101)).expect(400);
      expect(tooLong.body.details.map((d: { field: string }) => d.field)).toEqual(['localId']);
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before);
    });
    it('a NUL character (U+0000, which PostgreSQL cannot store) in any field or the path → 400 naming each, nothing stored', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM source_record`);
      const res = await put({ ...base, name: [{ family: 'Whit\u0000aker', given: ['Ann'] }], address: [{ line: ['1 Main\u0000 St'], city: 'Madison' }] }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details).toEqual([
        { field: 'name[0].family', messages: ['must not contain the NUL character (U+0000)'] },
        { field: 'address[0].line[0]', messages: ['must not contain the NUL character (U+0000)'] },
      ]);
      const key = await put({ ...base, ['x\u0000y']: 1 }).expect(400);
      expect(key.body.details.map((d: { field: string }) => d.field)).toEqual(['x\\u0000y']);
      const path = await put(base, 'MRN%001').expect(400);
      expect(path.body.details.map((d: { field: string }) => d.field)).toEqual(['localId']);
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before);
    });
    it('an unpaired surrogate (a lone \\ud800 escape, which jsonb refuses) in a field or a key → 400 naming it, nothing stored (a path: Express answers 400 itself)', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM source_record`);
      const message = 'must be valid Unicode text (it holds an unpaired surrogate, U+D800-U+DFFF)';
      const res = await put({ ...base, name: [{ family: 'Whit\uD800aker', given: ['Ann'] }] }).expect(400);
      expect(res.body.details).toEqual([{ field: 'name[0].family', messages: [message] }]);
      const key = await put({ ...base, ['x\uDC00']: 1 }).expect(400);
      expect(key.body.details).toEqual([{ field: 'x\\uDC00', messages: [message] }]);
      // A paired one (an emoji) is text like any other.
      await put({ ...base, name: [{ family: 'Whitaker 😀', given: ['Ann'] }] }).expect(201);
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before + 1);
    });
    it('a body nested thousands deep (class-transformer would exhaust the stack) → 400 naming the field, nothing stored', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM source_record`);
      // 5,000 arrays within one another: a 10 kB body, well under the size limit.
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const res = await t.http().put(`/api/v1/organizations/mercy/records/MRN-1001`).auth(feedA, { type: 'bearer' })
        .set('content-type', 'application/json').send(`{"name":${deep}}`).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details).toEqual([{ field: `name${'[0]'.repeat(31)}`, messages: ['must not nest objects or arrays more than 32 deep'] }]);
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(before);
    });
  });

  describe('scopes and organizations', () => {
    it('refuses a feed client of one organization writing to another with 403, storing nothing', async () => {
      const res = await put(buildDemographics(), 'MRN-1001', 'valley', feedA).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'ORGANIZATION_FORBIDDEN' });
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(0);
      // ...and it cannot read or retire the other organization's records either.
      await put(buildDemographics(), 'V-1', 'valley', admin).expect(201);
      await get('V-1', 'valley', feedA).expect(403);
      await del('V-1', 'valley', feedA).expect(403);
      expect(await count(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`)).toBe(1);
    });

    it('refuses a query-only client with 403', async () => {
      const query = await t.clientToken(['query'], 'mercy');
      const res = await put(buildDemographics(), 'MRN-1001', 'mercy', query.token).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(0);
    });

    it('answers 401 without a token', async () => {
      const res = await t.http().put('/api/v1/organizations/mercy/records/MRN-1001').send(buildDemographics()).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
      await t.http().get('/api/v1/organizations/mercy/records/MRN-1001').expect(401);
      await t.http().delete('/api/v1/organizations/mercy/records/MRN-1001').expect(401);
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(0);
    });

    it('answers 404 for an unknown organization', async () => {
      const res = await put(buildDemographics(), 'MRN-1001', 'nowhere', admin).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'ORGANIZATION_NOT_FOUND' });
      expect(await count(`SELECT count(*)::int AS n FROM source_record`)).toBe(0);
    });

    it('lets an admin write to any organization', async () => {
      const res = await put(buildDemographics(), 'V-1', 'valley', admin).expect(201);
      expect(res.body).toMatchObject({ organizationId: 'valley', localId: 'V-1' });
    });
  });

  describe('DELETE retires the record', () => {
    it('answers 204, then GET 404, and keeps the row as retired with a retire event', async () => {
      const created = await put(buildDemographics()).expect(201);
      await del().expect(204);
      const gone = await get().expect(404);
      expect(gone.body).toMatchObject({ statusCode: 404, code: 'RECORD_NOT_FOUND' });
      const rows = await t.dataSource.query(`SELECT status, retired_at FROM source_record WHERE id = $1`, [created.body.recordId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('retired');
      expect(rows[0].retired_at).not.toBeNull();
      const events = await t.dataSource.query(`SELECT event FROM link_event WHERE record_id = $1 ORDER BY id`, [created.body.recordId]);
      expect(events.map((e: { event: string }) => e.event)).toEqual(['link', 'retire']);
    });

    it('is idempotent: DELETE again → 204 without a second retire event', async () => {
      const created = await put(buildDemographics()).expect(201);
      await del().expect(204);
      await del().expect(204);
      expect(await count(`SELECT count(*)::int AS n FROM link_event WHERE record_id = $1 AND event = 'retire'`, [created.body.recordId])).toBe(1);
    });

    it('answers 404 for an unknown record', async () => {
      const res = await del('NO-SUCH-MRN').expect(404);
      expect(res.body.code).toBe('RECORD_NOT_FOUND');
    });

    it('retires the person left without an active record: GET /persons/{id} → 404', async () => {
      const created = await put(buildDemographics()).expect(201);
      const query = (await t.clientToken(['query'], 'mercy')).token;
      await t.http().get(`/api/v1/persons/${created.body.personId}`).auth(query, { type: 'bearer' }).expect(200);
      await del().expect(204);
      const res = await t.http().get(`/api/v1/persons/${created.body.personId}`).auth(query, { type: 'bearer' }).expect(404);
      expect(res.body.code).toBe('PERSON_NOT_FOUND');
      const [person] = await t.dataSource.query(`SELECT status FROM person WHERE id = $1`, [created.body.personId]);
      expect(person.status).toBe('retired');
    });

    it('keeps the person of a retired record when another record is still linked to it', async () => {
      const base = buildDemographics();
      const first = await put(base).expect(201);
      const second = await put(withGiven(base, 'Jonathan', 'Ray'), 'V-77', 'valley', admin).expect(201);
      expect(second.body.personId).toBe(first.body.personId);
      await del().expect(204);
      const query = (await t.clientToken(['query'], 'mercy')).token;
      const person = await t.http().get(`/api/v1/persons/${first.body.personId}`).auth(query, { type: 'bearer' }).expect(200);
      expect(person.body.records.map((r: { localId: string }) => r.localId)).toEqual(['V-77']);
      expect(person.body.golden.name.given).toEqual(['Jonathan', 'Ray']);
    });
  });

  it('audits each create, update and unchanged replay: one record.create / record.update event naming the person', async () => {
    const created = await put(buildDemographics()).expect(201);
    const updated = await put(withPhone(buildDemographics(), '608-555-0111')).expect(200);
    const replayed = await put(withPhone(buildDemographics(), '608-555-0111')).expect(200);
    const rows: Array<{ action: string; outcome: string; actor_client_id: string; target_ids: string[]; person_ids: string[]; details: { unchanged?: boolean } }> =
      await t.dataSource.query(
        `SELECT action, outcome, actor_client_id, target_ids, person_ids, details FROM audit_event WHERE action LIKE 'record.%' ORDER BY id`,
      );
    expect(rows.map((r) => r.action)).toEqual(['record.create', 'record.update', 'record.update']);
    expect(rows[2].details.unchanged).toBe(true);
    for (const [row, res] of [[rows[0], created], [rows[1], updated], [rows[2], replayed]] as const) {
      expect(row.outcome).toBe('success');
      expect(row.target_ids).toEqual([res.body.recordId]);
      expect(row.person_ids).toContain(res.body.personId);
      expect(row.actor_client_id).toBeTruthy();
      expect(row.actor_client_id).not.toBe('test-admin');
    }
    // No PHI in the audit trail.
    const all = JSON.stringify(await t.dataSource.query(`SELECT * FROM audit_event WHERE action LIKE 'record.%'`));
    expect(all).not.toContain('Whitaker');
    expect(all).not.toContain('1984-03-07');
  });
});
