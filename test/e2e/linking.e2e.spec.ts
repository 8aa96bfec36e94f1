import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, SSN_SYSTEM, withGiven, withPhone, type Demographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RULES = JSON.parse(readFileSync(new URL('../../matching-rules/default.json', import.meta.url), 'utf8')) as {
  id: string;
  version: string;
  thresholds: { autoLink: number; review: number };
  fields: Array<{ id: string }>;
};

describe('linking: one person per patient across organizations', () => {
  let t: TestApp;
  let admin: string;
  let feedA: string;
  let feedB: string;
  let query: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    admin = await t.adminToken();
    for (const [id, aa] of [['mercy', 'urn:oid:2.16.840.1.113883.3.2001'], ['valley', 'urn:oid:2.16.840.1.113883.3.2002']]) {
      await t.createOrganization(id, aa);
    }
    feedA = (await t.clientToken(['feed'], 'mercy')).token;
    feedB = (await t.clientToken(['feed'], 'valley')).token;
    query = (await t.clientToken(['query'], 'mercy')).token;
  });

  const feed = (org: 'mercy' | 'valley', localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(org === 'mercy' ? feedA : feedB, { type: 'bearer' }).send(body);
  const person = (personId: string, token = query) => t.http().get(`/api/v1/persons/${personId}`).auth(token, { type: 'bearer' });
  const compare = async (a: Demographics, b: Demographics) =>
    (await t.http().post('/api/v1/match/compare').auth(query, { type: 'bearer' }).send({ a, b }).expect(200)).body as { probability: number; grade: string };
  const activePersons = async (): Promise<number> => (await t.dataSource.query(`SELECT count(*)::int AS n FROM person WHERE status = 'active'`))[0].n;

  it('links the same patient fed by two organizations (given-name typo, transposed phone digits) into one person', async () => {
    const mercy = buildDemographics();
    // Jonathon → Jonathan, 608-555-0143 → 608-555-0134.
    const valley = withPhone(withGiven(mercy, 'Jonathan', 'Ray'), '608-555-0134');
    const first = await feed('mercy', 'M-100', mercy).expect(201);
    expect(first.body.decision.outcome).toBe('new-person');
    const second = await feed('valley', 'V-900', valley).expect(201);
    expect(second.body.personId).toBe(first.body.personId);
    expect(second.body.decision).toMatchObject({ outcome: 'linked', reviewTaskIds: [] });
    expect(second.body.link).toMatchObject({ method: 'auto', grade: 'certain' });
    expect(second.body.link.score).toBeGreaterThan(0);
    expect(await activePersons()).toBe(1);

    const p = await person(first.body.personId).expect(200);
    expect(p.body.personId).toBe(first.body.personId);
    expect(p.body.records.map((r: { organizationId: string; localId: string }) => `${r.organizationId}/${r.localId}`).sort()).toEqual(['mercy/M-100', 'valley/V-900']);
    expect(p.body.records.find((r: { localId: string }) => r.localId === 'V-900').link).toMatchObject({ method: 'auto', grade: 'certain' });
    expect(p.body.golden).toMatchObject({ sourceCount: 2, birthDate: '1984-03-07', name: { family: 'Whitaker' } });
    // The golden view keeps both phone numbers (union of contact points).
    const phones = p.body.golden.telecom.filter((c: { system: string }) => c.system === 'phone').map((c: { value: string }) => c.value).sort();
    expect(phones).toEqual(['608-555-0134', '608-555-0143']);
  });

  it("links a nickname ('Bill' vs 'William') to the same person", async () => {
    const william = withGiven(buildDemographics(), 'William');
    const first = await feed('mercy', 'M-200', william).expect(201);
    const second = await feed('valley', 'V-200', withGiven(william, 'Bill')).expect(201);
    expect(second.body.personId).toBe(first.body.personId);
    expect(second.body.decision.outcome).toBe('linked');
    expect(second.body.link).toMatchObject({ method: 'auto', grade: 'certain' });
    expect(second.body.link.score).toBeGreaterThan(0);
    const p = await person(first.body.personId).expect(200);
    expect(p.body.records).toHaveLength(2);
  });

  it('keeps clearly different people apart', async () => {
    const a = await feed('mercy', 'M-1', buildDemographics({}, 0)).expect(201);
    const b = await feed('valley', 'V-1', buildDemographics({}, 1)).expect(201);
    expect(b.body.decision).toMatchObject({ outcome: 'new-person', reviewTaskIds: [] });
    expect(b.body.personId).not.toBe(a.body.personId);
    expect(await activePersons()).toBe(2);
    expect((await person(a.body.personId).expect(200)).body.records).toHaveLength(1);
    expect((await person(b.body.personId).expect(200)).body.records).toHaveLength(1);
  });

  it('stores the rule set (id, version, hash) and the contributions with every link event', async () => {
    const first = await feed('mercy', 'M-1', buildDemographics()).expect(201);
    const second = await feed('valley', 'V-1', withGiven(buildDemographics(), 'Jonathan', 'Ray')).expect(201);
    const metrics = await t.http().get('/api/v1/matching/metrics').auth(admin, { type: 'bearer' }).expect(200);
    const ruleSet = metrics.body.ruleSet as { id: string; version: string; hash: string };
    expect(ruleSet).toMatchObject({ id: RULES.id, version: RULES.version });
    expect(ruleSet.hash).toMatch(/^[0-9a-f]{64}$/);

    const events: Array<{ record_id: string; person_id: string; event: string; rule_set_id: string; rule_set_version: string; rule_set_hash: string; contributions: Array<{ field: string; level: string; weight: number }> | null; reason: string }> =
      await t.dataSource.query(`SELECT record_id, person_id, event, rule_set_id, rule_set_version, rule_set_hash, contributions, reason FROM link_event ORDER BY id`);
    expect(events.map((e) => e.record_id)).toEqual([first.body.recordId, second.body.recordId]);
    for (const e of events) {
      expect(e).toMatchObject({ event: 'link', person_id: first.body.personId, rule_set_id: ruleSet.id, rule_set_version: ruleSet.version, rule_set_hash: ruleSet.hash });
    }
    // The auto-link keeps every field's contribution, in the rule set's order.
    const linked = events[1];
    expect(linked.reason).toMatch(/auto-link/);
    expect(linked.contributions!.map((c) => c.field)).toEqual(RULES.fields.map((f) => f.id));
    expect(linked.contributions!.find((c) => c.field === 'given_name')).toMatchObject({ level: 'jw_0_92' });
    expect(linked.contributions!.find((c) => c.field === 'birth_date')).toMatchObject({ level: 'exact' });
    expect(linked.contributions!.every((c) => typeof c.weight === 'number')).toBe(true);
    // The current link carries the same rule-set reference.
    const [link] = await t.dataSource.query(`SELECT rule_set_id, rule_set_version, rule_set_hash FROM record_link WHERE record_id = $1`, [second.body.recordId]);
    expect(link).toEqual({ rule_set_id: ruleSet.id, rule_set_version: ruleSet.version, rule_set_hash: ruleSet.hash });
  });

  it('opens a review task for a pair in the review band and gives the record its own person', async () => {
    // Same family name, birth date and sex; a different given name; nothing else known.
    const a: Demographics = { name: [{ family: 'Whitaker', given: ['Jonathon'] }], birthDate: '1984-03-07', sex: 'male' };
    const b: Demographics = { name: [{ family: 'Whitaker', given: ['Marcus'] }], birthDate: '1984-03-07', sex: 'male' };
    const cmp = await compare(a, b);
    expect(cmp.probability).toBeGreaterThanOrEqual(RULES.thresholds.review);
    expect(cmp.probability).toBeLessThan(RULES.thresholds.autoLink);

    const first = await feed('mercy', 'M-1', a).expect(201);
    const second = await feed('valley', 'V-1', b).expect(201);
    expect(second.body.decision.outcome).toBe('review');
    expect(second.body.decision.reviewTaskIds.length).toBeGreaterThan(0);
    expect(second.body.personId).not.toBe(first.body.personId);
    expect(second.body.link).toMatchObject({ method: 'auto', grade: null, score: null });

    const tasks = await t.dataSource.query(
      `SELECT id, status, record_id, candidate_person_id, candidate_record_id, probability, contributions, rule_set_id FROM review_task ORDER BY created_at`,
    );
    expect(tasks.map((r: { id: string }) => r.id)).toEqual(second.body.decision.reviewTaskIds);
    expect(tasks[0]).toMatchObject({
      status: 'open',
      record_id: second.body.recordId,
      candidate_person_id: first.body.personId,
      candidate_record_id: first.body.recordId,
      rule_set_id: RULES.id,
    });
    expect(tasks[0].probability).toBeCloseTo(cmp.probability, 6);
    expect(tasks[0].contributions.map((c: { field: string }) => c.field)).toEqual(RULES.fields.map((f) => f.id));
    expect(tasks[0].contributions.find((c: { field: string }) => c.field === 'given_name')).toMatchObject({ level: 'else', a: expect.any(String), b: expect.any(String) });
  });

  it('does not auto-link twins: everything agrees but the SSN (clearly different) and the given name', async () => {
    const jonathon = buildDemographics();
    const twin = withGiven(buildDemographics({ identifiers: [{ system: SSN_SYSTEM, value: '598-21-6604' }] }), 'Marcus', 'Ray');
    // Without the SSN guard this pair would score above the auto-link threshold: the guard is what is tested.
    expect((await compare(jonathon, twin)).probability).toBeGreaterThanOrEqual(RULES.thresholds.autoLink);

    const first = await feed('mercy', 'M-1', jonathon).expect(201);
    const second = await feed('valley', 'V-1', twin).expect(201);
    expect(second.body.personId).not.toBe(first.body.personId);
    expect(second.body.decision.outcome).not.toBe('linked');
    expect(second.body.decision.reasons).toContain('strong-identifier-conflict');
    expect(await activePersons()).toBe(2);
    const [link] = await t.dataSource.query(`SELECT person_id FROM record_link WHERE record_id = $1`, [second.body.recordId]);
    expect(link.person_id).toBe(second.body.personId);
  });

  it('moves an auto-linked record to its own person when its demographics change so that it no longer matches', async () => {
    const first = await feed('mercy', 'M-1', buildDemographics()).expect(201);
    const second = await feed('valley', 'V-1', withGiven(buildDemographics(), 'Jonathan', 'Ray')).expect(201);
    expect(second.body.personId).toBe(first.body.personId);

    // The valley MRN was a registration error: it is another patient entirely.
    const moved = await feed('valley', 'V-1', buildDemographics({}, 2)).expect(200);
    expect(moved.body.recordId).toBe(second.body.recordId);
    expect(moved.body.decision.outcome).toBe('new-person');
    expect(moved.body.personId).not.toBe(first.body.personId);

    const oldPerson = await person(first.body.personId).expect(200);
    expect(oldPerson.body.records.map((r: { localId: string }) => r.localId)).toEqual(['M-1']);
    expect(oldPerson.body.golden).toMatchObject({ sourceCount: 1, name: { given: ['Jonathon', 'Ray'] } });
    const newPerson = await person(moved.body.personId).expect(200);
    expect(newPerson.body.records.map((r: { localId: string }) => r.localId)).toEqual(['V-1']);
    expect(newPerson.body.golden.name.family).toBe('Okonkwo');
    const [event] = await t.dataSource.query(`SELECT event, person_id, previous_person_id FROM link_event WHERE record_id = $1 ORDER BY id DESC LIMIT 1`, [second.body.recordId]);
    expect(event).toEqual({ event: 'relink', person_id: moved.body.personId, previous_person_id: first.body.personId });
  });

  it('keeps a manual link: changed demographics that would not match leave the record in its person', async () => {
    const first = await feed('mercy', 'M-1', buildDemographics()).expect(201);
    const second = await feed('valley', 'V-1', withGiven(buildDemographics(), 'Jonathan', 'Ray')).expect(201);
    expect(second.body.personId).toBe(first.body.personId);
    await t.dataSource.query(`UPDATE record_link SET method = 'manual' WHERE record_id = $1`, [second.body.recordId]);

    const res = await feed('valley', 'V-1', buildDemographics({}, 2)).expect(200);
    expect(res.body.personId).toBe(first.body.personId);
    expect(res.body.link.method).toBe('manual');
    expect(res.body.decision.reasons).toContain('manual-link-kept');
    const [link] = await t.dataSource.query(`SELECT person_id, method FROM record_link WHERE record_id = $1`, [second.body.recordId]);
    expect(link).toEqual({ person_id: first.body.personId, method: 'manual' });
    expect(await activePersons()).toBe(1);
    const p = await person(first.body.personId).expect(200);
    expect(p.body.records).toHaveLength(2);
  });

  describe('GET /api/v1/persons/{id}', () => {
    it('answers 403 to a feed-only client', async () => {
      const created = await feed('mercy', 'M-1', buildDemographics()).expect(201);
      const res = await person(created.body.personId, feedA).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
    });

    it('answers 404 for an unknown UUID', async () => {
      const res = await person('4f1c2d9e-8b7a-4c3d-9e2f-1a2b3c4d5e6f').expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'PERSON_NOT_FOUND' });
    });

    it('answers 400 naming personId for a non-UUID', async () => {
      const res = await person('not-a-uuid').expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['personId']);
    });
  });
});
