import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';
import { PreparedStatementClient } from './prepared-statement-client.js';

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/**
 * The one definition of how the service talks to PostgreSQL (app, CLI and tests).
 * `preparedStatements`: run parameterized statements as named prepared statements — only
 * on a real PostgreSQL server, never on the embedded PGlite (see PreparedStatementClient).
 */
export function buildDataSourceOptions(url: string, poolSize: number, options: { preparedStatements?: boolean } = {}): PostgresOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast instead of hanging when the database is unreachable.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'mpi',
      ...(options.preparedStatements ? { Client: PreparedStatementClient } : {}),
    },
  };
}
