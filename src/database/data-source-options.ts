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
      // Idle connections stay open (the pool is bounded by `max`): each carries its prepared
      // statements, and a connection closed after a quiet minute is opened and its statements
      // prepared again inside the next burst of lookups (+46–91 ms on a burst of 200 locator
      // lookups after 35 s idle, none with the connections kept).
      idleTimeoutMillis: 0,
      application_name: 'mpi',
      ...(options.preparedStatements ? { Client: PreparedStatementClient } : {}),
    },
  };
}
