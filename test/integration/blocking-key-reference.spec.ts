import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource, type EntityManager } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';

/**
 * blocking_key.record_id must name a source record: checked per statement by triggers
 * (migration BlockingKeyWithoutRecordForeignKey) instead of a per-row foreign key.
 */
describe('blocking_key reference to source_record', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, 1)).initialize();
  });
  afterAll(async () => ds?.destroy());

  /** Runs `work` in a transaction that is always rolled back; returns what it returned or threw. */
  const inRolledBack = async (work: (m: EntityManager) => Promise<unknown>): Promise<{ error?: { code?: string } }> => {
    const out: { error?: { code?: string } } = {};
    await ds
      .transaction(async (m) => {
        await m.query(`INSERT INTO organization (id, name, assigning_authority) VALUES ('bk-ref', 'BK', 'urn:oid:1.3.6.1.4.1.99999.4242')`);
        try {
          await work(m);
        } catch (e) {
          out.error = (e as { driverError?: { code?: string } }).driverError ?? (e as { code?: string });
        }
        throw new RollBack();
      })
      .catch((e) => {
        if (!(e instanceof RollBack)) throw e;
      });
    return out;
  };
  const record = (m: EntityManager, localId: string): Promise<Array<{ id: string }>> =>
    m.query(`INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ('bk-ref', $1, '{}', '{}', 'h') RETURNING id`, [localId]);

  it('accepts keys of existing records, also of one inserted in the same statement', async () => {
    const r = await inRolledBack(async (m) => {
      const [{ id }] = await record(m, 'a');
      await m.query(`INSERT INTO blocking_key (key, record_id) SELECT k, $1 FROM unnest($2::text[]) k`, [id, ['k1', 'k2', 'k3']]);
      await m.query(
        `WITH r AS (INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ('bk-ref', 'b', '{}', '{}', 'h') RETURNING id)
         INSERT INTO blocking_key (key, record_id) SELECT 'k1', id FROM r`,
      );
      await m.query(`UPDATE blocking_key SET key = 'k4' WHERE record_id = $1 AND key = 'k3'`, [id]);
    });
    expect(r.error).toBeUndefined();
  });

  it('refuses a key of a record that does not exist, even among good ones', async () => {
    const r = await inRolledBack(async (m) => {
      const [{ id }] = await record(m, 'a');
      await m.query(`INSERT INTO blocking_key (key, record_id) VALUES ('k1', $1), ('k2', $1), ('k1', gen_random_uuid())`, [id]);
    });
    expect(r.error?.code).toBe('23503');
  });

  it('refuses moving a key to a record that does not exist', async () => {
    const r = await inRolledBack(async (m) => {
      const [{ id }] = await record(m, 'a');
      await m.query(`INSERT INTO blocking_key (key, record_id) VALUES ('k1', $1)`, [id]);
      await m.query(`UPDATE blocking_key SET record_id = gen_random_uuid() WHERE record_id = $1`, [id]);
    });
    expect(r.error?.code).toBe('23503');
  });

  it('refuses deleting a record that still has keys, not one without', async () => {
    const withKeys = await inRolledBack(async (m) => {
      const [{ id }] = await record(m, 'a');
      await m.query(`INSERT INTO blocking_key (key, record_id) VALUES ('k1', $1)`, [id]);
      await m.query(`DELETE FROM source_record WHERE id = $1`, [id]);
    });
    expect(withKeys.error?.code).toBe('23503');
    const without = await inRolledBack(async (m) => {
      const [{ id }] = await record(m, 'a');
      await m.query(`DELETE FROM source_record WHERE id = $1`, [id]);
    });
    expect(without.error).toBeUndefined();
  });
});

class RollBack extends Error {}
