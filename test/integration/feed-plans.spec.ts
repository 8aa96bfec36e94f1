import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DATABASE_ADMIN_URL, TEST_DATABASE_NAME, TEST_DATABASE_URL } from '../support/test-env.js';

/** A driver's licence number system: an identifier the locator finds through the records' normalized form. */
const DL = 'urn:oid:2.16.840.1.113883.4.3.25';

/** Tables that grow with the index: a statement must reach their rows through an index condition. */
const GROWING = new Set(['source_record', 'blocking_key', 'record_link', 'term_frequency', 'person', 'link_event', 'review_task', 'audit_event', 'no_match_assertion']);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Plans?: PlanNode[];
}

/** Every scan of a growing table that does not look rows up by key (a whole-table or whole-index scan). */
function unkeyedScans(node: PlanNode, out: string[] = []): string[] {
  const relation = node['Relation Name'];
  if (relation && GROWING.has(relation)) {
    const type = node['Node Type'];
    if (type === 'Seq Scan' || ((type === 'Index Scan' || type === 'Index Only Scan') && !node['Index Cond'])) {
      out.push(`${type} on ${relation}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`);
    }
  }
  if (node['Node Type'] === 'Bitmap Index Scan' && !node['Index Cond']) out.push(`Bitmap Index Scan using ${node['Index Name']}`);
  for (const child of node.Plans ?? []) unkeyedScans(child, out);
  return out;
}

/**
 * The service runs every parameterized statement as a prepared statement with a generic plan
 * (prepared-statement-client.ts), made at its first run on each connection: often while the
 * tables are still empty, and then kept. A plan that fits an empty table but scans (a whole
 * partial index filtered by id did, in the candidate statement) grows slower with every
 * record. So each statement the feed sends is planned here on empty tables, over one
 * connection, and must probe the growing tables by key.
 */
describe('feed and locator statements under generic plans made on empty tables', () => {
  let t: TestApp;
  // A database of its own, migrated at start: the growing tables have no pages and no
  // statistics. (In the shared test database a TRUNCATE empties them, but the column
  // statistics an earlier file's ANALYZE left behind stay, and the planner then costs the
  // empty tables from them: this test failed in one full run so.)
  const name = `${TEST_DATABASE_NAME}_plans`;
  const admin = () => new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    // One connection: every statement below is prepared (and planned) on it.
    t = await startTestApp({ env: { DATABASE_URL: url.toString(), MIGRATIONS_RUN: 'true', DATABASE_ANALYZE: 'off', DATABASE_POOL_SIZE: '1' } });
  });
  afterAll(async () => {
    await t?.close();
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });

  it('looks every row up by key, whatever the path of the feed or the lookup', async () => {
    await t.createOrganization('north', 'urn:oid:2.16.840.1.113883.3.5001');
    await t.createOrganization('south', 'urn:oid:2.16.840.1.113883.3.5002');
    const admin = await t.adminToken();
    const put = (org: string, localId: string, body: object) =>
      t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(admin, { type: 'bearer' }).send(body);
    await put('north', 'a-1', buildDemographics({}, 0)).expect(201); // new: founds a person
    await put('south', 'b-1', buildDemographics({}, 0)).expect(201); // new: links to it
    await put('south', 'b-1', buildDemographics({}, 0)).expect(200); // the same body again
    await put('south', 'b-1', buildDemographics({}, 1)).expect(200); // an update: moves out
    await t.http().delete('/api/v1/organizations/north/records/a-1').auth(admin, { type: 'bearer' }).expect(204);
    await put('north', 'a-1', buildDemographics({}, 0)).expect(200); // back from retirement
    await put('south', 'b-2', buildDemographics({ identifiers: [{ system: DL, value: 'D-1234' }] }, 2)).expect(201);
    // The locator's lookups by MRN, by SSN and by another identifier, planned here as well.
    const query = (await t.clientToken(['query'])).token;
    const located = async (identifier: string) =>
      (await t.http().get('/api/v1/record-locations').query({ identifier }).auth(query, { type: 'bearer' }).expect(200)).body.locations.map(
        (l: { organization: { id: string }; patientIdentifier: { value: string } }) => `${l.organization.id}/${l.patientIdentifier.value}`,
      );
    const ssn = buildDemographics({}, 0).identifiers![0];
    expect(await located('urn:oid:2.16.840.1.113883.3.5001|a-1')).toEqual(['north/a-1']);
    expect(await located(`${ssn.system}|${ssn.value}`)).toEqual(['north/a-1']);
    expect(await located(`${DL}|D-1234`)).toEqual(['south/b-2']);

    const statements: Array<{ name: string; statement: string; params: number }> = await t.dataSource.query(
      `SELECT name, statement, cardinality(parameter_types) AS params FROM pg_prepared_statements WHERE NOT from_sql`,
    );
    const feedStatements = statements.filter((s) => [...GROWING].some((table) => s.statement.includes(table)));
    expect(feedStatements.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const s of feedStatements) {
      const args = Array.from({ length: s.params }, () => 'NULL').join(', ');
      const [{ 'QUERY PLAN': plan }] = await t.dataSource.query(`EXPLAIN (FORMAT JSON) EXECUTE "${s.name}"${s.params ? `(${args})` : ''}`);
      for (const scan of unkeyedScans(plan[0].Plan)) problems.push(`${scan} in: ${s.statement.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
  });
});
