import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource, type EntityManager } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';

/**
 * The references of records, links and link events (to their organization, record and
 * persons) are checked per statement by triggers (migration LinkageReferencesCheckedPerStatement)
 * instead of per-row foreign keys: each must still refuse what the foreign key refused.
 */
describe('linkage references checked per statement', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, 1)).initialize();
  });
  afterAll(async () => ds?.destroy());

  /** Runs `work` in a transaction that is always rolled back; returns the error code it threw, if any. */
  const inRolledBack = async (work: (m: EntityManager, f: Fixture) => Promise<unknown>): Promise<string | undefined> => {
    let code: string | undefined;
    await ds
      .transaction(async (m) => {
        await m.query(`INSERT INTO organization (id, name, assigning_authority) VALUES ('ref-org', 'Ref', 'urn:oid:1.3.6.1.4.1.99999.4243')`);
        const f = new Fixture(m);
        try {
          await work(m, f);
        } catch (e) {
          code = ((e as { driverError?: { code?: string } }).driverError ?? (e as { code?: string })).code ?? 'no code';
        }
        throw new RollBack();
      })
      .catch((e) => {
        if (!(e instanceof RollBack)) throw e;
      });
    return code;
  };

  it('accepts rows whose references exist, also rows inserted in the same statement', async () => {
    const code = await inRolledBack(async (m, f) => {
      const record = await f.record('a');
      const person = await f.person();
      await f.link(record, person);
      await f.event(record, person, person);
      await m.query(
        `WITH p AS (INSERT INTO person DEFAULT VALUES RETURNING id),
              r AS (INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ('ref-org', 'b', '{}', '{}', 'h') RETURNING id),
              l AS (INSERT INTO record_link (record_id, person_id, method, reason, rule_set_id, rule_set_version, rule_set_hash) SELECT r.id, p.id, 'auto', 'x', 'r', '1', 'h' FROM r, p)
         INSERT INTO link_event (record_id, person_id, event, method, reason, rule_set_id, rule_set_version, rule_set_hash) SELECT r.id, p.id, 'link', 'auto', 'x', 'r', '1', 'h' FROM r, p`,
      );
      await m.query(`UPDATE record_link SET person_id = $2 WHERE record_id = $1`, [record, await f.person()]);
      await m.query(`UPDATE source_record SET status = 'retired' WHERE id = $1`, [record]);
    });
    expect(code).toBeUndefined();
  });

  const missing = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['a record of an unknown organization', (_m: EntityManager, f: Fixture) => f.record('a', 'no-such-org')],
    ['a record moved to an unknown organization', async (m: EntityManager, f: Fixture) => m.query(`UPDATE source_record SET organization_id = 'no-such-org' WHERE id = $1`, [await f.record('a')])],
    ['a link of an unknown record', async (_m: EntityManager, f: Fixture) => f.link(missing, await f.person())],
    ['a link to an unknown person', async (_m: EntityManager, f: Fixture) => f.link(await f.record('a'), missing)],
    ['a link moved to an unknown person', async (m: EntityManager, f: Fixture) => {
      const r = await f.record('a');
      await f.link(r, await f.person());
      await m.query(`UPDATE record_link SET person_id = $2 WHERE record_id = $1`, [r, missing]);
    }],
    ['an event of an unknown record', async (_m: EntityManager, f: Fixture) => f.event(missing, await f.person(), null)],
    ['an event to an unknown person', async (_m: EntityManager, f: Fixture) => f.event(await f.record('a'), missing, null)],
    ['an event from an unknown previous person', async (_m: EntityManager, f: Fixture) => f.event(await f.record('a'), await f.person(), missing)],
    ['one bad link among good ones', async (m: EntityManager, f: Fixture) => {
      const [a, b, p] = [await f.record('a'), await f.record('b'), await f.person()];
      await m.query(
        `INSERT INTO record_link (record_id, person_id, method, reason, rule_set_id, rule_set_version, rule_set_hash)
         SELECT x, $3::uuid, 'auto', 'x', 'r', '1', 'h' FROM unnest($1::uuid[]) x UNION ALL SELECT $2::uuid, $3::uuid, 'auto', 'x', 'r', '1', 'h'`,
        [[a, b], missing, p],
      );
    }],
  ])('refuses %s', async (_name, work) => {
    expect(await inRolledBack(work)).toBe('23503');
  });

  it.each([
    ['a record that is linked', async (m: EntityManager, f: Fixture) => {
      const r = await f.record('a');
      await f.link(r, await f.person());
      await m.query(`DELETE FROM source_record WHERE id = $1`, [r]);
    }],
    ['a record with an event', async (m: EntityManager, f: Fixture) => {
      const r = await f.record('a');
      await f.event(r, await f.person(), null);
      await m.query(`DELETE FROM source_record WHERE id = $1`, [r]);
    }],
    ['a person a record is linked to', async (m: EntityManager, f: Fixture) => {
      const p = await f.person();
      await f.link(await f.record('a'), p);
      await m.query(`DELETE FROM person WHERE id = $1`, [p]);
    }],
    ['a person an event names as the previous one', async (m: EntityManager, f: Fixture) => {
      const [p, q] = [await f.person(), await f.person()];
      await f.event(await f.record('a'), p, q);
      await m.query(`DELETE FROM person WHERE id = $1`, [q]);
    }],
    ['an organization with records', async (m: EntityManager, f: Fixture) => {
      await f.record('a');
      await m.query(`DELETE FROM organization WHERE id = 'ref-org'`);
    }],
  ])('refuses deleting %s', async (_name, work) => {
    expect(await inRolledBack(work)).toBe('23503');
  });

  it('deletes what nothing references', async () => {
    const code = await inRolledBack(async (m, f) => {
      await m.query(`DELETE FROM source_record WHERE id = $1`, [await f.record('a')]);
      await m.query(`DELETE FROM person WHERE id = $1`, [await f.person()]);
      await m.query(`DELETE FROM organization WHERE id = 'ref-org'`);
    });
    expect(code).toBeUndefined();
  });
});

class Fixture {
  constructor(private readonly m: EntityManager) {}

  async record(localId: string, organizationId = 'ref-org'): Promise<string> {
    const [{ id }] = await this.m.query(
      `INSERT INTO source_record (organization_id, local_id, demographics, normalized, content_hash) VALUES ($1, $2, '{}', '{}', 'h') RETURNING id`,
      [organizationId, localId],
    );
    return id;
  }

  async person(): Promise<string> {
    const [{ id }] = await this.m.query(`INSERT INTO person DEFAULT VALUES RETURNING id`);
    return id;
  }

  async link(recordId: string, personId: string): Promise<void> {
    await this.m.query(
      `INSERT INTO record_link (record_id, person_id, method, reason, rule_set_id, rule_set_version, rule_set_hash) VALUES ($1, $2, 'auto', 'x', 'r', '1', 'h')`,
      [recordId, personId],
    );
  }

  async event(recordId: string, personId: string, previousPersonId: string | null): Promise<void> {
    await this.m.query(
      `INSERT INTO link_event (record_id, person_id, previous_person_id, event, method, reason, rule_set_id, rule_set_version, rule_set_hash)
       VALUES ($1, $2, $3, 'link', 'auto', 'x', 'r', '1', 'h')`,
      [recordId, personId, previousPersonId],
    );
  }
}

class RollBack extends Error {}
