/** Helpers of the batch load tests: progress polling, the partition into persons, integrity checks. */
import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/** Polls GET /batch-loads/{id} until the load is finished. */
export async function waitForLoad(t: TestApp, token: string, id: string, timeoutMs = 50_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http().get(`/api/v1/batch-loads/${id}`).auth(token, { type: 'bearer' }).expect(200);
    if (res.body.status === 'completed' || res.body.status === 'failed') return res.body;
    if (Date.now() > until) throw new Error(`load ${id} still ${res.body.status}: ${JSON.stringify(res.body.chunks)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The partition of the organization's records into persons, as sets of local ids (order-free). */
export async function partition(t: TestApp): Promise<string[]> {
  const rows: Array<{ ids: string[] }> = await t.dataSource.query(
    `SELECT array_agg(r.local_id ORDER BY r.local_id) AS ids FROM source_record r JOIN record_link l ON l.record_id = r.id
     WHERE r.status = 'active' GROUP BY l.person_id`,
  );
  return rows.map((r) => r.ids.join(',')).sort();
}

/** Invariant 1, and nothing duplicated: one record per local id, one active person per active record. */
export async function assertIntegrity(t: TestApp) {
  const [dup] = await t.dataSource.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM source_record GROUP BY organization_id, local_id HAVING count(*) > 1) x`);
  expect(dup.n).toBe(0);
  const [bad] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM source_record r LEFT JOIN record_link l ON l.record_id = r.id LEFT JOIN person p ON p.id = l.person_id
     WHERE r.status = 'active' AND (p.id IS NULL OR p.status <> 'active')`,
  );
  expect(bad.n).toBe(0);
  const [empty] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM person p WHERE p.status = 'active' AND NOT EXISTS (
       SELECT 1 FROM record_link l JOIN source_record r ON r.id = l.record_id AND r.status = 'active' WHERE l.person_id = p.id)`,
  );
  expect(empty.n).toBe(0);
}

