import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_ADMIN } from '../support/test-env.js';

describe('auth: tokens, clients and scopes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const createOrg = async (id: string, aa: string) =>
    t.http().post('/api/v1/organizations').auth(await t.adminToken(), { type: 'bearer' }).send({ id, name: id, assigningAuthority: aa }).expect(201);

  it('issues a bearer token for form-encoded client credentials', async () => {
    const res = await t.http().post('/auth/token').type('form')
      .send({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret }).expect(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'admin' });
    expect(res.body.access_token.split('.')).toHaveLength(3);
  });

  it('accepts JSON bodies and HTTP Basic credentials', async () => {
    await t.http().post('/auth/token').send({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret }).expect(200);
    const res = await t.http().post('/auth/token').auth(TEST_ADMIN.clientId, TEST_ADMIN.clientSecret).type('form').send({ grant_type: 'client_credentials' }).expect(200);
    expect(res.body.access_token).toBeTruthy();
  });

  it('refuses a wrong secret or an unknown client with 401 invalid_client and audits the attempt', async () => {
    const wrong = await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: 'nope' }).expect(401);
    expect(wrong.body).toMatchObject({ statusCode: 401, code: 'INVALID_CLIENT', error: 'invalid_client' });
    expect(wrong.body.requestId).toBeTruthy();
    await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'ghost', client_secret: 'nope' }).expect(401);
    const denied = await t.dataSource.query(`SELECT target_ids FROM audit_event WHERE action = 'auth.token.issue' AND outcome = 'denied' ORDER BY id`);
    expect(denied.map((r: { target_ids: string[] }) => r.target_ids[0])).toEqual([TEST_ADMIN.clientId, 'ghost']);
  });

  it('names the bad field for a malformed token request', async () => {
    const noGrant = await t.http().post('/auth/token').type('form').send({ client_id: 'x', client_secret: 'y' }).expect(400);
    expect(noGrant.body.details).toEqual([{ field: 'grant_type', messages: ['grant_type is required'] }]);
    const badGrant = await t.http().post('/auth/token').type('form').send({ grant_type: 'password', client_id: 'x' }).expect(400);
    expect(badGrant.body).toMatchObject({ code: 'UNSUPPORTED_GRANT_TYPE', error: 'unsupported_grant_type' });
    const noSecret = await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'x' }).expect(400);
    expect(noSecret.body.details[0].field).toBe('client_secret');
  });

  it('narrows a token to requested scopes and refuses scopes the client lacks', async () => {
    await createOrg('clinic', 'urn:oid:1.2.3.1');
    const c = await t.clientToken(['query', 'steward'], 'clinic');
    const narrowed = await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: 'query' }).expect(200);
    expect(narrowed.body.scope).toBe('query');
    const refused = await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: 'query admin' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_SCOPE', error: 'invalid_scope' });
  });

  it('answers 401 without a token or with a forged one, and 403 without the scope', async () => {
    const none = await t.http().get('/api/v1/organizations').expect(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
    const token = await t.adminToken();
    const [h, p] = token.split('.');
    await t.http().get('/api/v1/organizations').auth(`${h}.${p}.forgedsignature`, { type: 'bearer' }).expect(401);
    await t.http().get('/api/v1/organizations').auth('not-a-jwt', { type: 'bearer' }).expect(401);
    await createOrg('clinic', 'urn:oid:1.2.3.1');
    const q = await t.clientToken(['query'], 'clinic');
    const forbidden = await t.http().post('/api/v1/organizations').auth(q.token, { type: 'bearer' }).send({ id: 'x', name: 'x', assigningAuthority: 'urn:oid:9.9' }).expect(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
    await t.http().get('/api/v1/audit-events').auth(q.token, { type: 'bearer' }).expect(403);
    await t.http().post('/api/v1/clients').auth(q.token, { type: 'bearer' }).send({ name: 'x', scopes: ['admin'] }).expect(403);
  });

  it('keeps a feed client to its own organization', async () => {
    await createOrg('north', 'urn:oid:1.2.3.2');
    await createOrg('south', 'urn:oid:1.2.3.3');
    const feed = await t.clientToken(['feed'], 'north');
    await t.http().get('/api/v1/organizations/north').auth(feed.token, { type: 'bearer' }).expect(200);
    const other = await t.http().get('/api/v1/organizations/south').auth(feed.token, { type: 'bearer' }).expect(403);
    expect(other.body.code).toBe('ORGANIZATION_FORBIDDEN');
  });

  it('shows a client secret once, stores only a slow hash, and lists clients without secrets', async () => {
    await createOrg('north', 'urn:oid:1.2.3.2');
    const admin = await t.adminToken();
    const created = await t.http().post('/api/v1/clients').auth(admin, { type: 'bearer' }).send({ name: 'North ADT', organizationId: 'north', scopes: ['feed'] }).expect(201);
    expect(created.body).toMatchObject({ name: 'North ADT', organizationId: 'north', scopes: ['feed'], status: 'active' });
    expect(created.body.clientSecret.length).toBeGreaterThanOrEqual(32);
    const [row] = await t.dataSource.query(`SELECT secret_hash FROM api_client WHERE id = $1`, [created.body.clientId]);
    expect(row.secret_hash).toMatch(/^scrypt\$/);
    expect(row.secret_hash).not.toContain(created.body.clientSecret);
    const one = await t.http().get(`/api/v1/clients/${created.body.clientId}`).auth(admin, { type: 'bearer' }).expect(200);
    expect(one.body.clientSecret).toBeUndefined();
    const list = await t.http().get('/api/v1/clients').auth(admin, { type: 'bearer' }).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.clientSecret);
    const audit = await t.dataSource.query(`SELECT details FROM audit_event WHERE action = 'client.create'`);
    expect(JSON.stringify(audit)).not.toContain(created.body.clientSecret);
  });

  it('refuses bad client bodies naming each field and creates nothing', async () => {
    const admin = await t.adminToken();
    const bad = await t.http().post('/api/v1/clients').auth(admin, { type: 'bearer' }).send({ name: '', scopes: ['root'], extra: 1 }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'name', 'scopes']);
    const feedless = await t.http().post('/api/v1/clients').auth(admin, { type: 'bearer' }).send({ name: 'x', scopes: ['feed'] }).expect(400);
    expect(feedless.body.details[0].field).toBe('organizationId');
    const unknownOrg = await t.http().post('/api/v1/clients').auth(admin, { type: 'bearer' }).send({ name: 'x', scopes: ['query'], organizationId: 'nowhere' }).expect(400);
    expect(unknownOrg.body.details[0].field).toBe('organizationId');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM api_client`);
    expect(n).toBe(1); // only the bootstrap admin
  });

  it('stops issuing tokens to a disabled client', async () => {
    await createOrg('north', 'urn:oid:1.2.3.2');
    const c = await t.clientToken(['query'], 'north');
    await t.http().delete(`/api/v1/clients/${c.clientId}`).auth(await t.adminToken(), { type: 'bearer' }).expect(204);
    await t.http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).expect(401);
  });
});
