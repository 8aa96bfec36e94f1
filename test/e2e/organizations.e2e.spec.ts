import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('organizations and endpoints', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    admin = await t.adminToken();
  });

  const post = (body: object) => t.http().post('/api/v1/organizations').auth(admin, { type: 'bearer' }).send(body);

  it('creates, reads and lists organizations, and audits the change', async () => {
    const created = await post({ id: 'st-lukes', name: "St Luke's", assigningAuthority: 'urn:oid:1.2.840.1' }).expect(201);
    expect(created.body).toMatchObject({ id: 'st-lukes', name: "St Luke's", assigningAuthority: 'urn:oid:1.2.840.1', status: 'active', endpoints: [] });
    const got = await t.http().get('/api/v1/organizations/st-lukes').auth(admin, { type: 'bearer' }).expect(200);
    expect(got.body.id).toBe('st-lukes');
    await post({ id: 'north', name: 'North', assigningAuthority: 'https://north.example/mrn' }).expect(201);
    const page1 = await t.http().get('/api/v1/organizations?limit=1').auth(admin, { type: 'bearer' }).expect(200);
    expect(page1.body.items.map((o: { id: string }) => o.id)).toEqual(['north']);
    const page2 = await t.http().get(`/api/v1/organizations?limit=1&cursor=${page1.body.nextCursor}`).auth(admin, { type: 'bearer' }).expect(200);
    expect(page2.body.items.map((o: { id: string }) => o.id)).toEqual(['st-lukes']);
    expect(page2.body.nextCursor).toBeNull();
    const audit = await t.http().get('/api/v1/audit-events?action=organization.create').auth(admin, { type: 'bearer' }).expect(200);
    expect(audit.body.items.map((e: { targetIds: string[] }) => e.targetIds[0])).toEqual(['north', 'st-lukes']);
    expect(audit.body.items[0]).toMatchObject({ clientId: 'test-admin', outcome: 'success' });
  });

  it('answers 409 for a taken id or assigning authority', async () => {
    await post({ id: 'a', name: 'A', assigningAuthority: 'urn:oid:1.1' }).expect(201);
    const id = await post({ id: 'a', name: 'A2', assigningAuthority: 'urn:oid:1.2' }).expect(409);
    expect(id.body).toMatchObject({ code: 'ORGANIZATION_ID_TAKEN', details: [{ field: 'id' }] });
    const aa = await post({ id: 'b', name: 'B', assigningAuthority: 'urn:oid:1.1' }).expect(409);
    expect(aa.body).toMatchObject({ code: 'ASSIGNING_AUTHORITY_TAKEN', details: [{ field: 'assigningAuthority' }] });
  });

  it('refuses bad bodies with 400 naming every field and stores nothing', async () => {
    const res = await post({ id: 'Not A Slug', name: 42, assigningAuthority: 'not a uri', color: 'red' }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['assigningAuthority', 'color', 'id', 'name']);
    await post({}).expect(400);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM organization`);
    expect(n).toBe(0);
  });

  it('answers 400 for malformed JSON and 413 for an oversized body without echoing it', async () => {
    const bad = await t.http().post('/api/v1/organizations').auth(admin, { type: 'bearer' }).set('content-type', 'application/json').send('{"id": "secret-value"').expect(400);
    expect(bad.body.code).toBe('MALFORMED_BODY');
    expect(JSON.stringify(bad.body)).not.toContain('secret-value');
    const big = await post({ id: 'a', name: 'x'.repeat(2 * 1024 * 1024), assigningAuthority: 'urn:oid:1.1' }).expect(413);
    expect(big.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('upserts endpoints: 201 when new, 200 when replaced, 404 for an unknown organization', async () => {
    await post({ id: 'a', name: 'A', assigningAuthority: 'urn:oid:1.1' }).expect(201);
    const put = (body: object, org = 'a') => t.http().put(`/api/v1/organizations/${org}/endpoints/fhir`).auth(admin, { type: 'bearer' }).send(body);
    const created = await put({ connectionType: 'hl7-fhir-rest', address: 'https://a.example/fhir', payloadTypes: ['application/fhir+json'] }).expect(201);
    expect(created.body).toMatchObject({ id: 'fhir', connectionType: 'hl7-fhir-rest', status: 'active' });
    const updated = await put({ connectionType: 'hl7-fhir-rest', address: 'https://a.example/r4', status: 'off' }).expect(200);
    expect(updated.body).toMatchObject({ address: 'https://a.example/r4', status: 'off', payloadTypes: [] });
    const org = await t.http().get('/api/v1/organizations/a').auth(admin, { type: 'bearer' }).expect(200);
    expect(org.body.endpoints).toHaveLength(1);
    await put({ connectionType: 'hl7-fhir-rest', address: 'https://x' }, 'nowhere').expect(404);
    const bad = await put({ connectionType: 'HL7 FHIR', address: '', status: 'maybe' }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['address', 'connectionType', 'status']);
  });

  it('answers 404 for an unknown organization', async () => {
    const res = await t.http().get('/api/v1/organizations/nowhere').auth(admin, { type: 'bearer' }).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'ORGANIZATION_NOT_FOUND' });
  });
});
