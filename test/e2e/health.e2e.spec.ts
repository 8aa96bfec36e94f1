import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('health and OpenAPI on PostgreSQL + Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ redis: true });
  });
  afterAll(async () => t?.close());

  it('reports database and redis up without a token', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up', redis: 'up', mode: { database: 'postgres', queue: 'redis' } });
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/auth/token', '/api/v1/organizations', '/api/v1/clients', '/api/v1/audit-events', '/health']));
    const ui = await t.http().get('/api/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('echoes a caller request id and puts it in error bodies', async () => {
    const res = await t.http().get('/api/v1/organizations').set('X-Request-Id', 'abc-123').expect(401);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body.requestId).toBe('abc-123');
  });
});

describe('health when a dependency is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on this port: Redis is "down" from the service's point of view.
    t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:6399/0' } });
  });
  afterAll(async () => t?.close());

  it('answers 503 naming redis as down, quickly', async () => {
    const started = Date.now();
    const res = await t.http().get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'error', database: 'up', redis: 'down' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers 503 naming the database as down once PostgreSQL goes away', async () => {
    // Terminate the pool's backends and stop the pool from reconnecting: the driver now fails.
    await t.dataSource.destroy();
    const res = await t.http().get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'error', database: 'down' });
  });
});

describe('a request that cannot get a database connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DATABASE_POOL_SIZE: '1' } });
  });
  afterAll(async () => t?.close());

  it('answers 503 with Retry-After (not 500) when the pool has no connection for it in time', async () => {
    const token = await t.adminToken();
    // The pool's one connection is busy for longer than its 5 s acquisition timeout.
    const held = t.dataSource.query('SELECT pg_sleep(7)');
    const res = await t.http().get('/api/v1/organizations').auth(token, { type: 'bearer' });
    await held;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    await t.http().get('/api/v1/organizations').auth(token, { type: 'bearer' }).expect(200);
  }, 30_000);
});
