import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AdminBootstrapService } from '../../src/auth/admin-bootstrap.service.js';
import { createApp, type RunningApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import { RecordCountCache } from '../../src/matching/record-count.cache.js';
import { TEST_ADMIN, TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env.js';

export interface TestApp {
  running: RunningApp;
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  dataSource: DataSource;
  /** A bearer token for the bootstrap admin. */
  adminToken(): Promise<string>;
  /** Creates an organization through the API (as the admin); 201 expected. */
  createOrganization(id: string, assigningAuthority: string, name?: string): Promise<void>;
  /** Registers a client with these scopes and returns a token for it. */
  clientToken(scopes: string[], organizationId?: string): Promise<{ clientId: string; clientSecret: string; token: string }>;
  /**
   * Empties every table (but the migrations, the signing key and the blocking keys' marker: no
   * records, no keys is a complete index) and re-creates the admin client.
   */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Boots the real application on the test PostgreSQL (and Redis when asked). */
export async function startTestApp(options: { redis?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `mpi-test-${process.pid}` } : {}),
    MPI_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
    MPI_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
    MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const running = await createApp(config, { logger: false });
  const app = running.app;
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const http = () => request(app.getHttpServer());
  let cachedAdmin: string | undefined;

  const tokenFor = async (clientId: string, clientSecret: string): Promise<string> => {
    const res = await http().post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token as string;
  };

  return {
    running,
    app,
    http,
    dataSource,
    adminToken: async () => (cachedAdmin ??= await tokenFor(TEST_ADMIN.clientId, TEST_ADMIN.clientSecret)),
    createOrganization: async (id, assigningAuthority, name = id) => {
      const admin = await tokenFor(TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      const res = await http().post('/api/v1/organizations').auth(admin, { type: 'bearer' }).send({ id, name, assigningAuthority });
      if (res.status !== 201) throw new Error(`organization creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    clientToken: async (scopes, organizationId) => {
      const admin = await tokenFor(TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      const res = await http().post('/api/v1/clients').auth(admin, { type: 'bearer' }).send({ name: `test ${scopes.join('+')}`, scopes, organizationId });
      if (res.status !== 201) throw new Error(`client creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      const { clientId, clientSecret } = res.body as { clientId: string; clientSecret: string };
      return { clientId, clientSecret, token: await tokenFor(clientId, clientSecret) };
    },
    reset: async () => {
      const tables: Array<{ tablename: string }> = await dataSource.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('migrations', 'auth_signing_key', 'blocking_index_state')`,
      );
      if (tables.length) await dataSource.query(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
      await app.get(AdminBootstrapService).ensureAdminClient();
      // The index size is cached for up to 10 s: the emptied index must not score as the old one.
      app.get(RecordCountCache).invalidate();
      cachedAdmin = undefined;
    },
    close: () => running.close(),
  };
}
