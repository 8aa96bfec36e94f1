/** Where the tests find PostgreSQL and Redis; override with these variables. */
export const TEST_DATABASE_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE_NAME = process.env.TEST_DATABASE_NAME ?? 'mpi_test';
export const TEST_DATABASE_URL = (() => {
  const u = new URL(TEST_DATABASE_ADMIN_URL);
  u.pathname = `/${TEST_DATABASE_NAME}`;
  return u.toString();
})();
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/1';
export const TEST_ADMIN = { clientId: 'test-admin', clientSecret: 'test-admin-secret-0123456789' };
