import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database and in-process jobs', () => {
    const c = loadConfig({});
    expect(c.database.mode).toBe('embedded');
    expect(c.redis.mode).toBe('in-process');
    expect(c.port).toBe(3000);
    expect(c.database.runMigrations).toBe(true);
    expect(c.matchingRulesPath).toMatch(/matching-rules\/default\.json$/);
  });

  it('switches to PostgreSQL and Redis when their URLs are set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', REDIS_URL: 'redis://h:6379', MIGRATIONS_RUN: 'false' });
    expect(c.database).toMatchObject({ mode: 'postgres', url: 'postgres://u@h:5432/db', runMigrations: false });
    expect(c.redis).toMatchObject({ mode: 'redis', url: 'redis://h:6379' });
  });

  it('runs several server workers only on a real PostgreSQL', () => {
    expect(loadConfig({}).httpWorkers).toBe(1);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', HTTP_WORKERS: '2' }).httpWorkers).toBe(2);
    expect(() => loadConfig({ HTTP_WORKERS: '2' })).toThrow(/HTTP_WORKERS: more than one worker needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', HTTP_WORKERS: '0' })).toThrow(ConfigValidationError);
  });

  it('lists every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'x', REDIS_URL: 'http://nope', MPI_ADMIN_CLIENT_SECRET: 'short', MPI_TOKEN_TTL_SECONDS: '5' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigValidationError);
      const problems = (e as ConfigValidationError).problems.join('\n');
      for (const v of ['PORT', 'REDIS_URL', 'MPI_ADMIN_CLIENT_ID', 'MPI_ADMIN_CLIENT_SECRET', 'MPI_TOKEN_TTL_SECONDS']) expect(problems).toContain(v);
    }
  });

  it('requires the admin id and secret together', () => {
    expect(() => loadConfig({ MPI_ADMIN_CLIENT_ID: 'admin' })).toThrow(/MPI_ADMIN_CLIENT_SECRET/);
    expect(loadConfig({ MPI_ADMIN_CLIENT_ID: 'admin', MPI_ADMIN_CLIENT_SECRET: '0123456789abcdef' }).auth.adminClient?.clientId).toBe('admin');
  });
});
