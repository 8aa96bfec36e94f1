import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemographics, withGiven, withPhone, type Demographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A small deterministic PRNG (mulberry32): the sequence replays exactly from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

/**
 * Drives random sequences of feeds, retirements, review decisions, manual links, unlinks,
 * merges and unmerges through the API and checks DESIGN.md's invariants after every step:
 * each active record is linked to exactly one active person; every active person has an
 * active record; nothing links to a merged person and each merged person has exactly one
 * active merge; no two records a steward called different share a person; a manual link
 * survives any feed; a merge undone at once gives back exactly the earlier state.
 */
describe('steward invariants under random sequences of operations', () => {
  let t: TestApp;
  let admin: string;
  let steward: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  // A few patients in a few variants, so feeds link, go to review and start persons.
  const variants = (seed: number): Demographics[] => {
    const d = buildDemographics({}, seed);
    return [d, withPhone(d, '555-555-0100'), withGiven(d, 'Marcus'), { name: d.name, birthDate: d.birthDate, sex: d.sex }];
  };
  const PATIENTS = [0, 1, 2].flatMap(variants);
  const ORGS = ['mercy', 'valley'] as const;
  const LOCAL_IDS = Array.from({ length: 8 }, (_, i) => `L-${i}`);

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);
  const req = (method: 'get' | 'post' | 'put' | 'delete', path: string, body?: object, token = steward) => {
    const r = t.http()[method](path).auth(token, { type: 'bearer' });
    return body ? r.send(body) : r;
  };
  const linkState = async () => ({
    links: await q(`SELECT record_id, person_id, method, grade, score, probability, reason, flags, rule_set_hash, linked_by, linked_at FROM record_link ORDER BY record_id`),
    persons: await q(`SELECT id, status, merged_into, consent FROM person ORDER BY id`),
    assertions: await q(`SELECT record_a, record_b, origin FROM no_match_assertion ORDER BY record_a, record_b`),
  });

  async function checkInvariants(step: string): Promise<void> {
    const orphans = await q(
      `SELECT r.id FROM source_record r LEFT JOIN record_link l ON l.record_id = r.id LEFT JOIN person p ON p.id = l.person_id
       WHERE r.status = 'active' AND (l.record_id IS NULL OR p.status IS DISTINCT FROM 'active')`,
    );
    expect(orphans, `${step}: active records not linked to an active person`).toEqual([]);
    const empty = await q(
      `SELECT p.id FROM person p WHERE p.status = 'active' AND NOT EXISTS (
         SELECT 1 FROM record_link l JOIN source_record r ON r.id = l.record_id WHERE l.person_id = p.id AND r.status = 'active')`,
    );
    expect(empty, `${step}: active persons without an active record`).toEqual([]);
    const toMerged = await q(`SELECT l.record_id FROM record_link l JOIN person p ON p.id = l.person_id WHERE p.status = 'merged'`);
    expect(toMerged, `${step}: links to a merged person`).toEqual([]);
    const mergedWrong = await q(
      `SELECT p.id FROM person p WHERE p.status = 'merged' AND NOT EXISTS (
         SELECT 1 FROM person_merge m WHERE m.merged_id = p.id AND m.status = 'active' AND m.survivor_id = p.merged_into)`,
    );
    expect(mergedWrong, `${step}: merged persons without their active merge`).toEqual([]);
    const staleMerges = await q(
      `SELECT m.id FROM person_merge m JOIN person p ON p.id = m.merged_id WHERE m.status = 'active' AND p.status <> 'merged'`,
    );
    expect(staleMerges, `${step}: active merges of a person that is not merged`).toEqual([]);
    const together = await q(
      `SELECT a.record_a, a.record_b FROM no_match_assertion a
       JOIN record_link la ON la.record_id = a.record_a JOIN record_link lb ON lb.record_id = a.record_b
       JOIN source_record ra ON ra.id = a.record_a JOIN source_record rb ON rb.id = a.record_b
       WHERE la.person_id = lb.person_id AND ra.status = 'active' AND rb.status = 'active'`,
    );
    expect(together, `${step}: records asserted different share a person`).toEqual([]);
  }

  for (const seed of [11, 29, 47, 83, 101]) {
    it(`keeps every invariant through 150 random operations (seed ${seed})`, async () => {
      await t.reset();
      admin = await t.adminToken();
      for (const [i, org] of ORGS.entries()) await t.createOrganization(org, `urn:oid:2.16.840.1.113883.3.${seed}${i}`);
      steward = (await t.clientToken(['steward'])).token;
      const rnd = prng(seed);
      const counts: Record<string, number> = {};
      const activeMerges: string[] = [];

      for (let i = 0; i < 150; i++) {
        const records = await q<{ id: string; org: string; local: string; person: string; method: string }>(
          `SELECT r.id, r.organization_id AS org, r.local_id AS local, l.person_id AS person, l.method
           FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.status = 'active' ORDER BY r.id`,
        );
        const persons = [...new Set(records.map((r) => r.person))].sort();
        const roll = rnd.next();
        let op: string;
        if (roll < 0.4 || records.length < 3) {
          op = 'feed';
          const [org, local, body] = [rnd.pick(ORGS), rnd.pick(LOCAL_IDS), rnd.pick(PATIENTS)];
          const before = records.find((r) => r.org === org && r.local === local);
          const res = await req('put', `/api/v1/organizations/${org}/records/${local}`, body, admin);
          expect([200, 201], `feed ${res.status}`).toContain(res.status);
          if (before?.method === 'manual') {
            expect(res.body.personId, 'a manual link survives a feed').toBe(before.person);
            expect(res.body.link.method).toBe('manual');
          }
        } else if (roll < 0.47) {
          op = 'retire';
          const r = rnd.pick(records);
          await req('delete', `/api/v1/organizations/${r.org}/records/${r.local}`, undefined, admin).expect(204);
        } else if (roll < 0.6) {
          op = 'resolve';
          const open = (await req('get', '/api/v1/review-tasks?limit=100').expect(200)).body.items as Array<{ id: string }>;
          if (!open.length) continue;
          const res = await req('post', `/api/v1/review-tasks/${rnd.pick(open).id}/resolve`, { decision: rnd.pick(['same-person', 'different-people']) });
          expect([200, 409], `resolve ${res.status} ${res.body.code}`).toContain(res.status);
        } else if (roll < 0.7) {
          op = 'link';
          const res = await req('post', `/api/v1/persons/${rnd.pick(persons)}/records`, { recordId: rnd.pick(records).id });
          expect(res.status, `link ${res.body.code}`).toBe(200);
        } else if (roll < 0.8) {
          op = 'unlink';
          const r = rnd.pick(records);
          const res = await req('delete', `/api/v1/persons/${r.person}/records/${r.id}`);
          expect(res.status === 200 || res.body.code === 'RECORD_IS_ALONE', `unlink ${res.status} ${res.body.code}`).toBe(true);
        } else if (roll < 0.92) {
          op = 'merge';
          if (persons.length < 2) continue;
          const survivor = rnd.pick(persons);
          const merged = rnd.pick(persons.filter((p) => p !== survivor));
          const before = await linkState();
          const res = await req('post', `/api/v1/persons/${survivor}/merge`, { personId: merged }).expect(200);
          await checkInvariants(`step ${i} merge`);
          if (rnd.next() < 0.4) {
            op = 'merge+undo';
            await req('post', `/api/v1/merges/${res.body.mergeId}/undo`).expect(200);
            expect(await linkState(), 'an immediate undo restores the earlier state exactly').toEqual(before);
          } else {
            activeMerges.push(res.body.mergeId);
          }
        } else {
          op = 'unmerge';
          if (!activeMerges.length) continue;
          const mergeId = activeMerges[activeMerges.length - 1 - rnd.int(Math.min(2, activeMerges.length))];
          const res = await req('post', `/api/v1/merges/${mergeId}/undo`);
          expect([200, 409], `unmerge ${res.status} ${res.body.code}`).toContain(res.status);
          if (res.status === 200) activeMerges.splice(activeMerges.indexOf(mergeId), 1);
          else expect(res.body.code).toBe('MERGE_BLOCKED');
        }
        counts[op] = (counts[op] ?? 0) + 1;
        await checkInvariants(`step ${i} ${op}`);
      }
      // The sequence exercised every kind of operation.
      for (const op of ['feed', 'retire', 'resolve', 'link', 'unlink', 'merge']) expect(counts[op] ?? 0, op).toBeGreaterThan(0);
    }, 180_000);
  }

  it('keeps every invariant when feeds and steward actions run at the same moment', async () => {
    await t.reset();
    admin = await t.adminToken();
    for (const [i, org] of ORGS.entries()) await t.createOrganization(org, `urn:oid:2.16.840.1.113883.3.7${i}`);
    steward = (await t.clientToken(['steward'])).token;
    const rnd = prng(7);
    for (const [i, body] of PATIENTS.entries()) await req('put', `/api/v1/organizations/${ORGS[i % 2]}/records/S-${i}`, body, admin).expect((r) => expect([200, 201]).toContain(r.status));
    for (let round = 0; round < 12; round++) {
      const records = await q<{ id: string; person: string }>(
        `SELECT r.id, l.person_id AS person FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.status = 'active' ORDER BY r.id`,
      );
      const persons = [...new Set(records.map((r) => r.person))].sort();
      const [p1, p2] = [rnd.pick(persons), rnd.pick(persons)];
      const r1 = rnd.pick(records);
      const burst = await Promise.all([
        req('put', `/api/v1/organizations/mercy/records/${rnd.pick(LOCAL_IDS)}`, rnd.pick(PATIENTS), admin),
        req('put', `/api/v1/organizations/valley/records/${rnd.pick(LOCAL_IDS)}`, rnd.pick(PATIENTS), admin),
        req('post', `/api/v1/persons/${p1}/merge`, { personId: p2 }),
        req('post', `/api/v1/persons/${rnd.pick(persons)}/records`, { recordId: rnd.pick(records).id }),
        req('delete', `/api/v1/persons/${r1.person}/records/${r1.id}`),
      ]);
      // Losers of a race get a clear 4xx (a person merged or emptied meanwhile); never a 5xx.
      for (const res of burst) expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
      await checkInvariants(`burst ${round}`);
    }
  }, 120_000);
});
