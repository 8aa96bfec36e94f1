import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { ChunkLinkageRepository } from '../../src/linkage/chunk-linkage.repository.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';

/**
 * A batch chunk counts the index size on from the exact count of an earlier chunk (its
 * snapshot, its transaction id, its records): `countChangedSince` must add exactly the records
 * created since by others and still active, and call everything else unknown (then the table is
 * counted in full) — in particular a record the base's own transaction created that someone
 * changed since, which the base already counted.
 */
describe('countChangedSince', () => {
  let ds: DataSource;
  const repo = new ChunkLinkageRepository();
  const org = 'count-org';
  beforeAll(async () => {
    ds = await new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, 2)).initialize();
    await ds.query(`DELETE FROM source_record WHERE organization_id = $1`, [org]);
    await ds.query(`DELETE FROM organization WHERE id = $1`, [org]);
    await ds.query(`INSERT INTO organization (id, name, assigning_authority) VALUES ($1, 'Count', 'urn:oid:1.3.6.1.4.1.99999.4244')`, [org]);
  });
  afterAll(async () => {
    await ds?.query(`DELETE FROM source_record WHERE organization_id = $1`, [org]);
    await ds?.query(`DELETE FROM organization WHERE id = $1`, [org]);
    await ds?.destroy();
  });

  const insert = (localId: string) =>
    ds.query(`INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ($1, $2, '{}', '{}', 'h')`, [org, localId]);
  const retire = (localId: string) => ds.query(`UPDATE source_record SET status = 'retired' WHERE organization_id = $1 AND local_id = $2`, [org, localId]);

  it('adds records created since by others, and calls changes of records the base counted unknown', async () => {
    await insert('before');
    // The base: a transaction that takes its snapshot, then writes two records (as a chunk does under the lock).
    const base = await ds.transaction(async (m) => {
      const counted = await repo.countActive(m);
      await m.query(`INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ($1, 'own-1', '{}', '{}', 'h'), ($1, 'own-2', '{}', '{}', 'h')`, [org]);
      return counted;
    });
    const since = () => ds.transaction((m) => repo.countChangedSince(base, 1000, m));

    let d = await since();
    expect(d).toMatchObject({ added: 0, unknown: 0, complete: true }); // its own records are the base's

    await insert('new-1');
    await insert('new-2');
    await retire('new-2'); // created since and retired: not in the index
    d = await since();
    expect(d).toMatchObject({ added: 1, unknown: 0, complete: true });

    await retire('own-1'); // the base counted it active: now unknown, not one more
    d = await since();
    expect(d).toMatchObject({ added: 1, unknown: 1 });

    await retire('before'); // existed in the base's snapshot
    d = await since();
    expect(d).toMatchObject({ added: 1, unknown: 2 });
  });

  it('reports no transaction id from a read-only count and takes none', async () => {
    const r = await ds.transaction('REPEATABLE READ', async (m) => {
      const c = await repo.countActive(m, true);
      const [{ xid }] = await m.query(`SELECT pg_current_xact_id_if_assigned()::text AS xid`);
      return { c, xid };
    });
    expect(r.c.xid).toBeNull();
    expect(r.xid).toBeNull();
  });
});
