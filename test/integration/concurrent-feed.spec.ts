import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FeedRepository } from '../../src/linkage/feed.repository.js';
import { LinkRepository } from '../../src/linkage/link.repository.js';
import { buildDemographics, type Demographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RULES = JSON.parse(readFileSync(new URL('../../matching-rules/default.json', import.meta.url), 'utf8')) as {
  thresholds: { autoLink: number; review: number };
};

const PAIRS = 10;
const ROUNDS = 3;

/** The same patient as another organization registered them: no middle name, two phone digits transposed. */
function asSeenElsewhere(d: Demographics): Demographics {
  const phone = d.telecom!.find((c) => c.system === 'phone')!.value;
  const transposed = `${phone.slice(0, -2)}${phone.at(-1)}${phone.at(-2)}`;
  return {
    ...d,
    name: [{ family: d.name[0].family, given: d.name[0].given!.slice(0, 1) }],
    telecom: d.telecom!.map((c) => (c.system === 'phone' ? { ...c, value: transposed } : c)),
  };
}

const pairs = Array.from({ length: PAIRS }, (_, i) => ({ i, a: buildDemographics({}, i), b: asSeenElsewhere(buildDemographics({}, i)) }));

/**
 * Linking serializes on blocking keys: two records of one patient fed at the same moment
 * by two organizations must end in one person, never two (nor be linked across patients).
 */
describe('concurrent feed: simultaneous PUTs of one patient at two organizations', () => {
  let t: TestApp;
  let feedA: string;
  let feedB: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    for (const [id, aa] of [['north', 'urn:oid:2.16.840.1.113883.3.4001'], ['south', 'urn:oid:2.16.840.1.113883.3.4002']]) {
      await t.createOrganization(id, aa);
    }
    feedA = (await t.clientToken(['feed'], 'north')).token;
    feedB = (await t.clientToken(['feed'], 'south')).token;
  });

  const put = (org: 'north' | 'south', localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(org === 'north' ? feedA : feedB, { type: 'bearer' }).send(body);

  it('uses burst data in which each pair auto-links and no two pairs come near each other', async () => {
    const query = (await t.clientToken(['query'], 'north')).token;
    const probability = async (a: Demographics, b: Demographics): Promise<number> =>
      (await t.http().post('/api/v1/match/compare').auth(query, { type: 'bearer' }).send({ a, b }).expect(200)).body.probability;
    for (const p of pairs) {
      expect(await probability(p.a, p.b), `pair ${p.i}`).toBeGreaterThanOrEqual(RULES.thresholds.autoLink);
      for (const q of pairs) {
        if (q.i === p.i) continue;
        expect(await probability(p.a, q.b), `pair ${p.i} vs ${q.i}`).toBeLessThan(RULES.thresholds.review);
        if (q.i > p.i) expect(await probability(p.a, q.a), `pair ${p.i} vs ${q.i}`).toBeLessThan(RULES.thresholds.review);
      }
    }
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`links each pair to one person when all ${2 * PAIRS} PUTs arrive at once (round ${round} of ${ROUNDS})`, async () => {
      const responses = await Promise.all(
        pairs.flatMap((p) => [put('north', `P${p.i}-N`, p.a), put('south', `P${p.i}-S`, p.b)]),
      );
      for (const r of responses) expect(r.status, JSON.stringify(r.body)).toBe(201);

      for (const p of pairs) {
        const [n, s] = await Promise.all([
          t.http().get(`/api/v1/organizations/north/records/P${p.i}-N`).auth(feedA, { type: 'bearer' }).expect(200),
          t.http().get(`/api/v1/organizations/south/records/P${p.i}-S`).auth(feedB, { type: 'bearer' }).expect(200),
        ]);
        expect(s.body.personId, `pair ${p.i}: both records in one person`).toBe(n.body.personId);
        // One of the two created the person, the other linked to it.
        const outcomes = responses.slice(2 * p.i, 2 * p.i + 2).map((r) => r.body.decision.outcome).sort();
        expect(outcomes, `pair ${p.i}`).toEqual(['linked', 'new-person']);
      }

      // No person holds records of two different pairs.
      const mixed = await t.dataSource.query(
        `SELECT l.person_id, array_agg(r.local_id ORDER BY r.local_id) AS records
         FROM record_link l JOIN source_record r ON r.id = l.record_id
         WHERE r.status = 'active'
         GROUP BY l.person_id
         HAVING count(DISTINCT split_part(r.local_id, '-', 1)) > 1`,
      );
      expect(mixed).toEqual([]);

      // Every active record has exactly one link, and its person is active.
      const broken = await t.dataSource.query(
        `SELECT r.local_id, count(l.record_id)::int AS links, array_agg(p.status) AS person_status
         FROM source_record r
         LEFT JOIN record_link l ON l.record_id = r.id
         LEFT JOIN person p ON p.id = l.person_id
         WHERE r.status = 'active'
         GROUP BY r.id, r.local_id
         HAVING count(l.record_id) <> 1 OR bool_and(p.status IS NOT DISTINCT FROM 'active') IS NOT TRUE`,
      );
      expect(broken).toEqual([]);

      const [{ records, persons, orphans, events }] = await t.dataSource.query(
        `SELECT (SELECT count(*)::int FROM source_record WHERE status = 'active') AS records,
                (SELECT count(*)::int FROM person WHERE status = 'active') AS persons,
                (SELECT count(*)::int FROM person p WHERE p.status = 'active' AND NOT EXISTS (
                   SELECT 1 FROM record_link l JOIN source_record r ON r.id = l.record_id
                   WHERE l.person_id = p.id AND r.status = 'active')) AS orphans,
                (SELECT count(*)::int FROM link_event) AS events`,
      );
      expect({ records, persons, orphans, events }).toEqual({ records: 2 * PAIRS, persons: PAIRS, orphans: 0, events: 2 * PAIRS });
    });
  }

  /**
   * Updates and retirements must serialize with linking too: a record's OLD demographics
   * are what a concurrent incoming record matches. These tests hold one transaction open at
   * a chosen step (a pause injected into a repository call of the running app) and send the
   * competing request meanwhile, so the interleaving is forced rather than hoped for; the
   * pause only widens a window that any slow statement opens in production.
   */
  describe('updates and retirements racing a new record that matches the old demographics', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** Starts the request now (supertest sends lazily) and returns its response promise. */
    const send = <T>(req: PromiseLike<T>): Promise<T> => Promise.resolve(req);
    /** Waits for the held transaction to reach its pause (fails fast instead of hanging if it never does). */
    const reach = (paused: Promise<void>, step: string) =>
      Promise.race([paused, sleep(5000).then(() => Promise.reject(new Error(`the transaction never reached ${step}`)))]);

    // An update must also lock the record's OLD blocking keys: otherwise a newcomer matching
    // the old demographics does not wait, still sees the old keys, and links to the person
    // the update keeps for the changed record — one person holding two patients (an overlay).
    it('does not put a changed record and a newcomer matching its old demographics into one person', async () => {
      const before = buildDemographics({}, 0);
      const after = buildDemographics({}, 1); // the MRN now holds another patient entirely
      const x = await put('north', 'X-1', before).expect(201);

      const links = t.app.get(LinkRepository);
      const writeLink = links.writeLink;
      let reached!: () => void;
      const paused = new Promise<void>((r) => (reached = r));
      // Hold the update of X open after it decided to keep its (single-record) person,
      // before it writes the link and commits.
      links.writeLink = async function (this: LinkRepository, ...args: Parameters<LinkRepository['writeLink']>) {
        if (args[0].recordId === x.body.recordId) {
          reached();
          await sleep(500);
        }
        return writeLink.apply(this, args);
      };
      try {
        const update = send(put('north', 'X-1', after));
        await reach(paused, 'writeLink');
        // A new record with X's old demographics arrives while the update is in flight.
        const z = await put('south', 'Z-1', before).expect(201);
        const updated = await update;
        expect(updated.status).toBe(200);

        const [xNow, zNow] = await Promise.all([
          t.http().get('/api/v1/organizations/north/records/X-1').auth(feedA, { type: 'bearer' }).expect(200),
          t.http().get('/api/v1/organizations/south/records/Z-1').auth(feedB, { type: 'bearer' }).expect(200),
        ]);
        expect(xNow.body.demographics.name[0].family).toBe('Castillo');
        // X is now Maria Castillo, Z is Jonathon Whitaker: they must not share a person.
        expect(zNow.body.personId, `z decision: ${JSON.stringify(z.body.decision)}`).not.toBe(xNow.body.personId);
      } finally {
        links.writeLink = writeLink;
      }
    });

    // A retire must lock the record's blocking keys: otherwise a newcomer linking to the
    // record's person at the same moment is not seen by the retire's person refresh, which
    // then retires the person under the newcomer's fresh link.
    it('never leaves an active record linked to a retired person', async () => {
      const d = buildDemographics({}, 0);
      const y = await put('north', 'Y-1', d).expect(201);

      // A new record's feed writes its record, link and the rest in one statement.
      const feedRecords = t.app.get(FeedRepository);
      const insertLinkedRecord = feedRecords.insertLinkedRecord;
      let armed = true;
      let reached!: () => void;
      const paused = new Promise<void>((r) => (reached = r));
      // Hold Z's linking transaction open right after it linked to Y's person.
      feedRecords.insertLinkedRecord = async function (this: FeedRepository, ...args: Parameters<FeedRepository['insertLinkedRecord']>) {
        await insertLinkedRecord.apply(this, args);
        if (armed && args[0].link.personId === y.body.personId) {
          armed = false;
          reached();
          await sleep(500);
        }
      };
      try {
        const z = send(put('south', 'Z-1', buildDemographics({}, 0)));
        await reach(paused, 'the link write');
        // Y is retired while Z's link to Y's person is not yet committed.
        const retire = send(t.http().delete('/api/v1/organizations/north/records/Y-1').auth(feedA, { type: 'bearer' }));
        const [zRes, retireRes] = await Promise.all([z, retire]);
        expect(zRes.status).toBe(201);
        expect(zRes.body.personId).toBe(y.body.personId);
        expect(retireRes.status).toBe(204);

        const broken = await t.dataSource.query(
          `SELECT r.local_id, p.status FROM source_record r JOIN record_link l ON l.record_id = r.id JOIN person p ON p.id = l.person_id
           WHERE r.status = 'active' AND p.status <> 'active'`,
        );
        expect(broken).toEqual([]);
        const query = (await t.clientToken(['query'], 'south')).token;
        const person = await t.http().get(`/api/v1/persons/${zRes.body.personId}`).auth(query, { type: 'bearer' });
        expect(person.status).toBe(200);
        expect(person.body.records.map((r: { localId: string }) => r.localId)).toEqual(['Z-1']);
      } finally {
        feedRecords.insertLinkedRecord = insertLinkedRecord;
      }
    });
  });
});
