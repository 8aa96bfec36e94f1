import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * One statement on a pooled connection of the data source, straight through node-pg's pool
 * (the same pool, the same connections and prepared statements as TypeORM's), for the
 * hottest single-statement reads outside any transaction (the record locator: ~1,000
 * requests/s). TypeORM's `query()` takes a query runner per call, connects and releases it
 * and broadcasts before/after-query events through a chain of promises: a measurable share of
 * a lookup that is one round trip. Not for statements in a transaction: use the
 * transaction's EntityManager there.
 */
export async function poolQuery<Row>(dataSource: DataSource, text: string, values: unknown[]): Promise<Row[]> {
  const pool = (dataSource.driver as PostgresDriver).master as pg.Pool;
  return (await pool.query(text, values)).rows as Row[];
}
