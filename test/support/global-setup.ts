import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { TEST_DATABASE_ADMIN_URL, TEST_DATABASE_NAME, TEST_DATABASE_URL } from './test-env.js';

/** Recreates the test database once per run and applies every migration (up, down, up). */
export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEST_DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  const ds = new DataSource({ ...buildDataSourceOptions(TEST_DATABASE_URL, 2) });
  await ds.initialize();
  try {
    await ds.runMigrations();
    // Every migration's down() must work too: undo all, then apply again.
    while ((await ds.query(`SELECT count(*)::int AS n FROM migrations`))[0].n > 0) await ds.undoLastMigration();
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}
