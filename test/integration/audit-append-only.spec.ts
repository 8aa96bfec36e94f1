import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';

describe('audit_event table', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, 1)).initialize();
  });
  afterAll(async () => ds?.destroy());

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    const [{ id }] = await ds.query(`INSERT INTO audit_event (action, outcome) VALUES ('test.append', 'success') RETURNING id`);
    await expect(ds.query(`UPDATE audit_event SET outcome = 'failure' WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_event WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
    const [row] = await ds.query(`SELECT outcome FROM audit_event WHERE id = $1`, [id]);
    expect(row.outcome).toBe('success');
  });
});
