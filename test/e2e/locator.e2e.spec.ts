import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenService } from '../../src/auth/token.service.js';
import { buildDemographics, type Demographics, SSN_SYSTEM, withGiven, withPhone } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MERCY_AA = 'urn:oid:2.16.840.1.113883.3.2001';
const VALLEY_AA = 'urn:oid:2.16.840.1.113883.3.2002';
const LAKESIDE_AA = 'https://lakeside.example/mrn';
const DL_SYSTEM = 'urn:oid:2.16.840.1.113883.4.3.55';
const UNKNOWN = { personId: null, locations: [] };

/** The same patient as three organizations know them: close enough to link automatically. */
const MERCY = buildDemographics({ identifiers: [{ system: SSN_SYSTEM, value: '412-68-3057' }, { system: DL_SYSTEM, value: 'W-5512-3344' }] });
const VALLEY = withGiven(buildDemographics(), 'Jon', 'Ray');
const LAKESIDE = withPhone(
  buildDemographics({ address: [{ line: ['77 Lakeview Ter'], city: 'Middleton', state: 'WI', postalCode: '53562', country: 'US' }] }),
  '608-555-0199',
);
/** Same name, another birth date and address, no identifiers: scores probable → review, its own person. */
const UNCERTAIN = buildDemographics({
  identifiers: undefined,
  telecom: undefined,
  mothersMaidenName: undefined,
  birthDate: '1984-07-03',
  address: [{ line: ['5 Oak St'], city: 'Milwaukee', state: 'WI', postalCode: '53202', country: 'US' }],
});

/** Demographic values that must never appear in a locator answer. */
const PHI = ['Whitaker', 'Jonathon', 'Jon"', '1984-03-07', 'Willow', 'Madison', '608-555', '412-68-3057', '412683057', 'jwhitaker', 'Lindqvist', 'W-5512-3344'];

interface Location {
  organization: { id: string; name: string; assigningAuthority: string };
  patientIdentifier: { system: string; value: string };
  link: { method: string; grade: string; score: number | null };
  firstSeen: string;
  lastUpdated: string;
  endpoints: Array<{ id: string; connectionType: string; address: string; status: string }>;
}

/** Every key path of a JSON value, with array indexes as `[]` (e.g. `locations[].organization.name`). */
function keyPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => keyPaths(x, `${prefix}[]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${prefix}${prefix ? '.' : ''}${k}`, ...keyPaths(x, `${prefix}${prefix ? '.' : ''}${k}`)]);
  return [];
}

/** Exactly the documented shape: no demographics key anywhere (`name` only as the organization's, `address` only as an endpoint's). */
function expectNoDemographics(body: unknown): void {
  const allowed = new Set([
    'personId', 'locations',
    'locations[].organization', 'locations[].organization.id', 'locations[].organization.name', 'locations[].organization.assigningAuthority',
    'locations[].patientIdentifier', 'locations[].patientIdentifier.system', 'locations[].patientIdentifier.value',
    'locations[].link', 'locations[].link.method', 'locations[].link.grade', 'locations[].link.score',
    'locations[].firstSeen', 'locations[].lastUpdated',
    'locations[].endpoints', 'locations[].endpoints[].id', 'locations[].endpoints[].connectionType', 'locations[].endpoints[].address', 'locations[].endpoints[].status',
  ]);
  const paths = keyPaths(body);
  expect(paths.filter((p) => !allowed.has(p))).toEqual([]);
  for (const k of ['birthDate', 'telecom', 'identifiers', 'demographics', 'golden', 'sex', 'given', 'family', 'line', 'postalCode']) {
    expect(paths.some((p) => p.split('.').pop() === k)).toBe(false);
  }
  const text = JSON.stringify(body);
  for (const v of PHI) expect(text).not.toContain(v);
}

describe('record locator: where does this patient have records?', () => {
  let t: TestApp;
  let admin: string;
  let query: string;
  let steward: string;
  let personId: string;
  let uncertainPersonId: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    admin = await t.adminToken();
    for (const [id, aa] of [['mercy', MERCY_AA], ['valley', VALLEY_AA], ['lakeside', LAKESIDE_AA]]) {
      await t.createOrganization(id, aa, `${id} health`);
    }
    await endpoint('mercy', 'fhir', { connectionType: 'hl7-fhir-rest', address: 'https://mercy.example/fhir' });
    await endpoint('mercy', 'xca', { connectionType: 'ihe-xca', address: 'https://mercy.example/xca' });
    await endpoint('valley', 'fhir', { connectionType: 'hl7-fhir-rest', address: 'https://valley.example/r4' });
    await endpoint('valley', 'old-fhir', { connectionType: 'hl7-fhir-rest', address: 'https://old.valley.example/fhir', status: 'off' });
    await endpoint('lakeside', 'xca', { connectionType: 'ihe-xca', address: 'https://lakeside.example/xca' });

    const a = await feed('mercy', 'M-1001', MERCY).expect(201);
    const b = await feed('valley', 'V-2002', VALLEY).expect(201);
    const c = await feed('lakeside', 'L-3003', LAKESIDE).expect(201);
    expect(b.body.decision.outcome).toBe('linked');
    expect(c.body.decision.outcome).toBe('linked');
    personId = a.body.personId;
    expect([b.body.personId, c.body.personId]).toEqual([personId, personId]);
    const u = await feed('lakeside', 'L-9009', UNCERTAIN).expect(201);
    expect(u.body.decision.outcome).toBe('review');
    uncertainPersonId = u.body.personId;
    expect(uncertainPersonId).not.toBe(personId);

    query = (await t.clientToken(['query'])).token;
    steward = (await t.clientToken(['steward'])).token;
  });

  const endpoint = (org: string, id: string, body: object) =>
    t.http().put(`/api/v1/organizations/${org}/endpoints/${id}`).auth(admin, { type: 'bearer' }).send(body).expect((r) => expect([200, 201]).toContain(r.status));
  const feed = (org: string, localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(admin, { type: 'bearer' }).send(body);
  const byIdentifier = (identifier: string, extra: Record<string, string> = {}, token = query) =>
    t.http().get('/api/v1/record-locations').query({ identifier, ...extra }).auth(token, { type: 'bearer' });
  const byPerson = (id: string, extra: Record<string, string> = {}, token = query) =>
    t.http().get(`/api/v1/persons/${id}/record-locations`).query(extra).auth(token, { type: 'bearer' });
  const search = (body: object, token = query) => t.http().post('/api/v1/record-locations/search').auth(token, { type: 'bearer' }).send(body);
  const consent = (id: string, status: string, token = steward) => t.http().put(`/api/v1/persons/${id}/consent`).auth(token, { type: 'bearer' }).send({ status });
  const orgsOf = (body: { locations: Location[] }) => body.locations.map((l) => `${l.organization.id}/${l.patientIdentifier.value}`);
  const auditCount = async (): Promise<number> => (await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE action LIKE 'locator.%'`))[0].n;

  it('locates by each organization’s MRN: every organization, the local id there, grade and active endpoints only', async () => {
    for (const [aa, localId] of [[MERCY_AA, 'M-1001'], [VALLEY_AA, 'V-2002'], [LAKESIDE_AA, 'L-3003']]) {
      const res = await byIdentifier(`${aa}|${localId}`).expect(200);
      expect(res.body.personId).toBe(personId);
      expect(orgsOf(res.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001', 'valley/V-2002']);
      expectNoDemographics(res.body);
    }
    const res = await byIdentifier(`${VALLEY_AA}|V-2002`).expect(200);
    const [lakeside, mercy, valley] = res.body.locations as Location[];
    expect(mercy).toEqual({
      organization: { id: 'mercy', name: 'mercy health', assigningAuthority: MERCY_AA },
      patientIdentifier: { system: MERCY_AA, value: 'M-1001' },
      // The record that founded the person has no match score: it is the person's own record.
      link: { method: 'auto', grade: 'certain', score: null },
      firstSeen: expect.any(String),
      lastUpdated: expect.any(String),
      endpoints: [
        { id: 'fhir', connectionType: 'hl7-fhir-rest', address: 'https://mercy.example/fhir', status: 'active' },
        { id: 'xca', connectionType: 'ihe-xca', address: 'https://mercy.example/xca', status: 'active' },
      ],
    });
    expect(valley.link).toMatchObject({ method: 'auto', grade: 'certain' });
    expect(valley.link.score).toBeGreaterThan(0);
    // The endpoint that is off never appears.
    expect(valley.endpoints).toEqual([{ id: 'fhir', connectionType: 'hl7-fhir-rest', address: 'https://valley.example/r4', status: 'active' }]);
    expect(lakeside.endpoints.map((e) => e.id)).toEqual(['xca']);
    expect(new Date(valley.firstSeen).getTime()).toBeLessThanOrEqual(new Date(valley.lastUpdated).getTime());
    // The uncertain record (in review) is not this person's location.
    expect(orgsOf(res.body)).not.toContain('lakeside/L-9009');
  });

  it('locates by SSN (digits only, any punctuation) and by another identifier system', async () => {
    for (const ssn of ['412-68-3057', '412683057', ' 412 68 3057']) {
      const res = await byIdentifier(`${SSN_SYSTEM}|${ssn}`).expect(200);
      expect(res.body.personId).toBe(personId);
      expect(orgsOf(res.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001', 'valley/V-2002']);
      expectNoDemographics(res.body);
    }
    const dl = await byIdentifier(`${DL_SYSTEM}|W-5512-3344`).expect(200);
    expect(dl.body.personId).toBe(personId);
    expect(dl.body.locations).toHaveLength(3);
    // A placeholder SSN identifies nobody.
    expect((await byIdentifier(`${SSN_SYSTEM}|123-45-6789`).expect(200)).body).toEqual(UNKNOWN);
  });

  it('locates by person id and by demographics (only certain matches locate)', async () => {
    const p = await byPerson(personId).expect(200);
    expect(p.body.personId).toBe(personId);
    expect(orgsOf(p.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001', 'valley/V-2002']);
    expectNoDemographics(p.body);

    const s = await search({ demographics: buildDemographics(), purpose: 'TREATMENT' }).expect(200);
    expect(s.body).toEqual(p.body);
    expectNoDemographics(s.body);

    // The record in review: the main person scores only probable against it, so a search with its
    // demographics locates its own person (its one record), never the main person's records.
    const m = await t.http().post('/api/v1/match').auth(query, { type: 'bearer' }).send({ demographics: UNCERTAIN }).expect(200);
    expect(m.body.candidates.find((c: { personId: string }) => c.personId === personId)?.grade).toBe('probable');
    const u = await search({ demographics: UNCERTAIN }).expect(200);
    expect(u.body.personId).toBe(uncertainPersonId);
    expect(orgsOf(u.body)).toEqual(['lakeside/L-9009']);
  });

  it('only a steward may lower the match grade; two persons at the best grade are ambiguous', async () => {
    // Name and sex only: both the main person and the in-review record's person score probable.
    const nameOnly = buildDemographics({ identifiers: undefined, telecom: undefined, mothersMaidenName: undefined, address: undefined, birthDate: undefined });
    const m = await t.http().post('/api/v1/match').auth(query, { type: 'bearer' }).send({ demographics: nameOnly }).expect(200);
    expect(m.body.candidates.map((c: { personId: string; grade: string }) => [c.personId, c.grade]).sort()).toEqual(
      [[personId, 'probable'], [uncertainPersonId, 'probable']].sort(),
    );
    expect((await search({ demographics: nameOnly }).expect(200)).body).toEqual(UNKNOWN);
    expect((await search({ demographics: nameOnly, minGrade: 'probable' }, steward).expect(200)).body).toEqual(UNKNOWN);
    const [ambiguous] = await t.dataSource.query(`SELECT outcome, person_ids, details FROM audit_event WHERE action = 'locator.search' ORDER BY id DESC LIMIT 1`);
    expect(ambiguous).toMatchObject({ outcome: 'denied', person_ids: [], details: { resolution: 'ambiguous', matchGrade: 'probable' } });

    // With the in-review record retired, the main person is the one probable match.
    await t.http().delete('/api/v1/organizations/lakeside/records/L-9009').auth(admin, { type: 'bearer' }).expect(204);
    expect((await search({ demographics: nameOnly }).expect(200)).body).toEqual(UNKNOWN);
    expect((await search({ demographics: nameOnly, minGrade: 'probable' }).expect(200)).body).toEqual(UNKNOWN);
    const lowered = await search({ demographics: nameOnly, minGrade: 'probable' }, steward).expect(200);
    expect(lowered.body.personId).toBe(personId);
    expect(orgsOf(lowered.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001', 'valley/V-2002']);
  });

  it('filters by organization, endpoint connection type and minimum link grade', async () => {
    const org = await byIdentifier(`${MERCY_AA}|M-1001`, { organization: 'valley' }).expect(200);
    expect(orgsOf(org.body)).toEqual(['valley/V-2002']);

    const xca = await byPerson(personId, { connectionType: 'ihe-xca' }).expect(200);
    expect(orgsOf(xca.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001']);
    expect((xca.body.locations as Location[]).flatMap((l) => l.endpoints.map((e) => e.connectionType))).toEqual(['ihe-xca', 'ihe-xca']);

    const none = await byPerson(personId, { connectionType: 'direct-project' }).expect(200);
    expect(none.body).toEqual({ personId, locations: [] });

    // A link made below `certain` (e.g. at `probable`) is filtered by minGrade.
    await t.dataSource.query(`UPDATE record_link SET grade = 'probable' WHERE record_id = (SELECT id FROM source_record WHERE local_id = 'V-2002')`);
    expect(orgsOf((await byPerson(personId, { minGrade: 'certain' }).expect(200)).body)).toEqual(['lakeside/L-3003', 'mercy/M-1001']);
    expect(orgsOf((await byPerson(personId, { minGrade: 'probable' }).expect(200)).body)).toHaveLength(3);
    expect(orgsOf((await byPerson(personId).expect(200)).body)).toHaveLength(3);

    // Search takes the filters in its body (or its query).
    const s = await search({ demographics: buildDemographics(), organization: 'mercy', connectionType: 'hl7-fhir-rest' }).expect(200);
    expect(orgsOf(s.body)).toEqual(['mercy/M-1001']);
    expect((s.body.locations as Location[])[0].endpoints.map((e) => e.id)).toEqual(['fhir']);
    const q = await t.http().post('/api/v1/record-locations/search?organization=lakeside').auth(query, { type: 'bearer' }).send({ demographics: buildDemographics() }).expect(200);
    expect(orgsOf(q.body)).toEqual(['lakeside/L-3003']);
  });

  it('drops a retired record and an endpoint switched off at once', async () => {
    await t.http().delete('/api/v1/organizations/valley/records/V-2002').auth(admin, { type: 'bearer' }).expect(204);
    expect(orgsOf((await byPerson(personId).expect(200)).body)).toEqual(['lakeside/L-3003', 'mercy/M-1001']);
    expect((await byIdentifier(`${VALLEY_AA}|V-2002`).expect(200)).body).toEqual(UNKNOWN);
    await endpoint('mercy', 'xca', { connectionType: 'ihe-xca', address: 'https://mercy.example/xca', status: 'suspended' });
    const mercy = ((await byPerson(personId).expect(200)).body.locations as Location[]).find((l) => l.organization.id === 'mercy')!;
    expect(mercy.endpoints.map((e) => e.id)).toEqual(['fhir']);
  });

  it('answers an unknown identifier, person or patient with 200 { personId: null, locations: [] }', async () => {
    expect((await byIdentifier(`${MERCY_AA}|NOPE`).expect(200)).body).toEqual(UNKNOWN);
    expect((await byIdentifier(`urn:oid:9.9.9|M-1001`).expect(200)).body).toEqual(UNKNOWN);
    expect((await byPerson('6f1c1d4e-0000-4000-8000-000000000000').expect(200)).body).toEqual(UNKNOWN);
    expect((await search({ demographics: buildDemographics({}, 5) }).expect(200)).body).toEqual(UNKNOWN);
  });

  it('never mixes two persons: an identifier shared by two persons answers like unknown, audited as ambiguous', async () => {
    // Another patient recorded with the same SSN (a data-entry error at the source).
    const other = await feed('valley', 'V-5005', buildDemographics({ identifiers: [{ system: SSN_SYSTEM, value: '412-68-3057' }] }, 1)).expect(201);
    expect(other.body.personId).not.toBe(personId);
    const res = await byIdentifier(`${SSN_SYSTEM}|412683057`).expect(200);
    expect(res.body).toEqual(UNKNOWN);
    const [event] = await t.dataSource.query(`SELECT outcome, person_ids, result_count, details FROM audit_event WHERE action = 'locator.identifier'`);
    expect(event).toMatchObject({ outcome: 'denied', person_ids: [], result_count: 0, details: { resolution: 'ambiguous', identifierSystem: SSN_SYSTEM } });
  });

  it('hides an opted-out person from every query exactly like an unknown one; feeds still accepted; opt-in restores', async () => {
    const unknownText = (await byIdentifier(`${MERCY_AA}|NOPE`).expect(200)).text;
    const unknownPerson = await t.http().get('/api/v1/persons/6f1c1d4e-0000-4000-8000-000000000000').auth(query, { type: 'bearer' }).expect(404);

    const optOut = await consent(personId, 'opt-out').expect(200);
    expect(optOut.body).toMatchObject({ personId, status: 'opt-out' });

    expect((await byIdentifier(`${MERCY_AA}|M-1001`).expect(200)).text).toBe(unknownText);
    expect((await byIdentifier(`${SSN_SYSTEM}|412-68-3057`).expect(200)).text).toBe(unknownText);
    expect((await byPerson(personId).expect(200)).text).toBe(unknownText);
    expect((await search({ demographics: buildDemographics() }).expect(200)).text).toBe(unknownText);
    const m = await t.http().post('/api/v1/match').auth(query, { type: 'bearer' }).send({ demographics: buildDemographics() }).expect(200);
    expect(m.body.candidates.map((c: { personId: string }) => c.personId)).not.toContain(personId);
    const hidden = await t.http().get(`/api/v1/persons/${personId}`).auth(steward, { type: 'bearer' }).expect(404);
    expect({ ...hidden.body, requestId: null }).toEqual({ ...unknownPerson.body, requestId: null });

    // Feeds for the person are still accepted (update 200, a new record 201) and stay hidden.
    const upd = await feed('mercy', 'M-1001', withPhone(MERCY, '608-555-0177')).expect(200);
    expect(upd.body.personId).toBe(personId);
    const created = await feed('valley', 'V-2003', withGiven(buildDemographics(), 'Jonathon', 'R')).expect(201);
    expect(created.body.personId).toBe(personId);
    expect((await byPerson(personId).expect(200)).text).toBe(unknownText);

    await consent(personId, 'opt-in').expect(200);
    const back = await byPerson(personId).expect(200);
    expect(orgsOf(back.body)).toEqual(['lakeside/L-3003', 'mercy/M-1001', 'valley/V-2002', 'valley/V-2003']);
    await t.http().get(`/api/v1/persons/${personId}`).auth(query, { type: 'bearer' }).expect(200);
    expect((await byIdentifier(`${MERCY_AA}|M-1001`).expect(200)).body.personId).toBe(personId);

    const events = await t.dataSource.query(`SELECT actor_client_id, person_ids, details FROM audit_event WHERE action = 'person.consent' ORDER BY id`);
    expect(events.map((e: { details: { status: string } }) => e.details.status)).toEqual(['opt-out', 'opt-in']);
    expect(events[0].person_ids).toEqual([personId]);
  });

  it('consent: 404 for an unknown person, 400 for a bad status, 403 without steward or admin', async () => {
    const missing = await consent('6f1c1d4e-0000-4000-8000-000000000000', 'opt-out').expect(404);
    expect(missing.body.code).toBe('PERSON_NOT_FOUND');
    const bad = await consent(personId, 'maybe').expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['status']);
    await consent(personId, 'opt-out', query).expect(403);
    await consent(personId, 'opt-out', admin).expect(200);
  });

  it('refuses a caller without the query (or steward) scope with 403, and 401 without a token', async () => {
    const feedOnly = (await t.clientToken(['feed'], 'mercy')).token;
    await byIdentifier(`${MERCY_AA}|M-1001`, {}, feedOnly).expect(403);
    await byPerson(personId, {}, feedOnly).expect(403);
    await search({ demographics: buildDemographics() }, feedOnly).expect(403);
    await byIdentifier(`${MERCY_AA}|M-1001`, {}, admin).expect(403);
    await t.http().get('/api/v1/record-locations').query({ identifier: `${MERCY_AA}|M-1001` }).expect(401);
    const [h, p] = query.split('.');
    const forged = await byIdentifier(`${MERCY_AA}|M-1001`, {}, `${h}.${p}.forgedsignature`).expect(401);
    expect(forged.body).toMatchObject({ statusCode: 401 });
    expect((await byIdentifier(`${MERCY_AA}|M-1001`, {}, steward).expect(200)).body.personId).toBe(personId);
    expect(await auditCount()).toBe(1);
  });

  it('answers a by-identifier lookup on the fast path exactly as through the ordinary route: body, headers, audit event', async () => {
    // `/record-locations/?…` (trailing slash) is the same route to Express but not to the
    // fast path (locator-fast-path.ts), which takes only the exact path.
    const qs = `?identifier=${encodeURIComponent(`${MERCY_AA}|M-1001`)}&purpose=TREATMENT&connectionType=hl7-fhir-rest`;
    const get = (path: string, requestId: string) => t.http().get(path).set('X-Request-Id', requestId).auth(query, { type: 'bearer' }).expect(200);
    // The ordinary route first: its guard verifies the new token, which the fast path then
    // finds verified (it never verifies a token itself: the spy proves which way it went).
    const routed = await get(`/api/v1/record-locations/${qs}`, 'req-routed');
    const verify = vi.spyOn(t.app.get(TokenService), 'verify');
    const fast = await get(`/api/v1/record-locations${qs}`, 'req-fast');
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
    expect(fast.body.personId).toBe(personId);
    expect(fast.text).toBe(routed.text);
    const headers = (r: { headers: Record<string, string> }) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date' && k !== 'x-request-id'));
    expect(headers(fast)).toEqual(headers(routed));
    expect(fast.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(fast.headers.etag).toBeUndefined();
    expect(fast.headers['x-powered-by']).toBeUndefined();
    expect([fast.headers['x-request-id'], routed.headers['x-request-id']]).toEqual(['req-fast', 'req-routed']);
    const events = await t.dataSource.query(
      `SELECT request_id, actor_client_id, action, outcome, purpose, target_type, target_ids, person_ids, result_count, details FROM audit_event WHERE action = 'locator.identifier' ORDER BY id`,
    );
    expect(events.map((e: { request_id: string }) => e.request_id)).toEqual(['req-routed', 'req-fast']);
    expect({ ...events[0], request_id: undefined }).toEqual({ ...events[1], request_id: undefined });
    expect(events[0]).toMatchObject({ outcome: 'success', purpose: 'TREATMENT', person_ids: [personId], result_count: 2, details: { connectionType: 'hl7-fhir-rest' } });
  });

  it('takes a person id in upper case as the same person: answers and audits it in its stored form, and the audit filter finds it', async () => {
    const upper = personId.toUpperCase();
    expect(upper).not.toBe(personId);
    const located = await byPerson(upper).expect(200);
    expect(located.body.personId).toBe(personId);
    const read = await t.http().get(`/api/v1/persons/${upper}`).auth(query, { type: 'bearer' }).expect(200);
    expect(read.body.personId).toBe(personId);
    const events = await t.http().get('/api/v1/audit-events').query({ personId: upper, limit: 2 }).auth(admin, { type: 'bearer' }).expect(200);
    expect(events.body.items.map((e: { action: string; personIds: string[]; targetIds: string[] }) => [e.action, e.personIds, e.targetIds])).toEqual([
      ['person.read', [personId], [personId]],
      ['locator.person', [personId], [personId]],
    ]);
    const bad = await t.http().get('/api/v1/audit-events').query({ personId: 'not-a-person' }).auth(admin, { type: 'bearer' }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['personId']);
  });

  it('writes exactly one audit event per locator query, naming the persons disclosed and never the identifier value', async () => {
    const before = await auditCount();
    await byIdentifier(`${SSN_SYSTEM}|412-68-3057`, { purpose: 'TREATMENT' }).expect(200);
    expect(await auditCount()).toBe(before + 1);
    await byIdentifier(`${MERCY_AA}|NOPE`).expect(200);
    expect(await auditCount()).toBe(before + 2);
    await byPerson(personId).expect(200);
    expect(await auditCount()).toBe(before + 3);
    await search({ demographics: buildDemographics(), purpose: 'EMERGENCY' }).expect(200);
    expect(await auditCount()).toBe(before + 4);

    const res = await t.http().get('/api/v1/audit-events').query({ action: 'locator.identifier' }).auth(admin, { type: 'bearer' }).expect(200);
    const [unknown, ssn] = res.body.items;
    expect(ssn).toMatchObject({ action: 'locator.identifier', outcome: 'success', purpose: 'TREATMENT', personIds: [personId], resultCount: 3, details: { identifierSystem: SSN_SYSTEM, resolution: 'found' } });
    expect(ssn.clientId).toBeTruthy();
    expect(unknown).toMatchObject({ outcome: 'success', personIds: [], resultCount: 0, details: { identifierSystem: MERCY_AA, resolution: 'not-found' } });
    // The admin's filter by person (with and without an action): only events naming this person, newest first.
    const byPersonId = await t.http().get('/api/v1/audit-events').query({ personId, action: 'locator.identifier' }).auth(admin, { type: 'bearer' }).expect(200);
    expect(byPersonId.body.items.map((e: { personIds: string[] }) => e.personIds)).toEqual([[personId]]);
    const all3 = await t.http().get('/api/v1/audit-events').query({ personId }).auth(admin, { type: 'bearer' }).expect(200);
    expect(all3.body.items.filter((e: { action: string }) => e.action.startsWith('locator.')).map((e: { action: string }) => e.action)).toEqual(['locator.search', 'locator.person', 'locator.identifier']);
    expect(all3.body.items.every((e: { personIds: string[] }) => e.personIds.includes(personId))).toBe(true);

    const rows = await t.dataSource.query(`SELECT action, purpose, person_ids, result_count, target_ids, details FROM audit_event WHERE action IN ('locator.person', 'locator.search') ORDER BY id`);
    expect(rows).toMatchObject([
      { action: 'locator.person', person_ids: [personId], result_count: 3, target_ids: [personId] },
      { action: 'locator.search', purpose: 'EMERGENCY', person_ids: [personId], result_count: 3, details: { matchGrade: 'certain' } },
    ]);
    const all = JSON.stringify(await t.dataSource.query(`SELECT * FROM audit_event WHERE action LIKE 'locator.%'`));
    for (const v of ['412-68-3057', '412683057', 'NOPE', 'Whitaker', '1984-03-07']) expect(all).not.toContain(v);
  });

  describe('bad input → 400 naming the field', () => {
    const fieldsOf = (body: { details: Array<{ field: string }> }) => body.details.map((d) => d.field);
    it('identifier without | or missing', async () => {
      const res = await byIdentifier('M-1001').expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(fieldsOf(res.body)).toEqual(['identifier']);
      expect(fieldsOf((await byIdentifier(`${MERCY_AA}|`).expect(400)).body)).toEqual(['identifier']);
      const missing = await t.http().get('/api/v1/record-locations').auth(query, { type: 'bearer' }).expect(400);
      expect(fieldsOf(missing.body)).toEqual(['identifier']);
      const twice = await t.http().get('/api/v1/record-locations').query(`identifier=${encodeURIComponent(`${MERCY_AA}|M-1001`)}&identifier=x%7Cy`).auth(query, { type: 'bearer' }).expect(400);
      expect(fieldsOf(twice.body)).toEqual(['identifier']);
      expect(fieldsOf((await byIdentifier(`${MERCY_AA}|${'9'.repeat(500)}`).expect(400)).body)).toEqual(['identifier']);
      expect(await auditCount()).toBe(0);
    });
    it('by identifier: a bad filter, too long a purpose, an unknown parameter', async () => {
      const ok = `${MERCY_AA}|M-1001`;
      expect(fieldsOf((await byIdentifier(ok, { organization: 'Not An Org' }).expect(400)).body)).toEqual(['organization']);
      expect(fieldsOf((await byIdentifier(ok, { connectionType: 'FHIR' }).expect(400)).body)).toEqual(['connectionType']);
      expect(fieldsOf((await byIdentifier(ok, { purpose: 'p'.repeat(101) }).expect(400)).body)).toEqual(['purpose']);
      expect(fieldsOf((await byIdentifier(ok, { color: 'red' }).expect(400)).body)).toEqual(['color']);
      expect(fieldsOf((await byIdentifier(ok, { organization: 'x_y', minGrade: 'best' }).expect(400)).body).sort()).toEqual(['minGrade', 'organization']);
      expect(await auditCount()).toBe(0);
    });
    it('minGrade not a grade, bad organization, unknown parameter', async () => {
      expect(fieldsOf((await byIdentifier(`${MERCY_AA}|M-1001`, { minGrade: 'excellent' }).expect(400)).body)).toEqual(['minGrade']);
      expect(fieldsOf((await byPerson(personId, { minGrade: 'certainly-not' }).expect(400)).body)).toEqual(['minGrade']);
      expect(fieldsOf((await byPerson(personId, { organization: 'Not An Org' }).expect(400)).body)).toEqual(['organization']);
      expect(fieldsOf((await byPerson(personId, { color: 'red' }).expect(400)).body)).toEqual(['color']);
      expect(fieldsOf((await search({ demographics: buildDemographics(), minGrade: 'best' }).expect(400)).body)).toEqual(['minGrade']);
    });
    it('a NUL character in the identifier, a filter or the demographics → 400 naming it, no audit event', async () => {
      expect(fieldsOf((await byIdentifier(`${MERCY_AA}|M-10\u000001`).expect(400)).body)).toEqual(['identifier']);
      expect(fieldsOf((await byIdentifier(`${MERCY_AA}|M-1001`, { purpose: 'treat\u0000ment' }).expect(400)).body)).toEqual(['purpose']);
      expect(fieldsOf((await search({ demographics: { name: [{ family: 'Whit\u0000aker' }] } }).expect(400)).body)).toEqual(['demographics.name[0].family']);
      expect(await auditCount()).toBe(0);
    });
    it('a bad person id and bad demographics', async () => {
      expect(fieldsOf((await byPerson('not-a-uuid').expect(400)).body)).toEqual(['personId']);
      const bad = await search({ demographics: { name: [{ family: 'X' }], birthDate: '2001-02-30' } }).expect(400);
      expect(fieldsOf(bad.body)).toContain('demographics.birthDate');
      expect(fieldsOf((await search({}).expect(400)).body)).toContain('demographics');
      expect(await auditCount()).toBe(0);
    });
  });
});
