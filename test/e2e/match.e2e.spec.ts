import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, withGiven, type Demographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RULES = JSON.parse(readFileSync(new URL('../../matching-rules/default.json', import.meta.url), 'utf8')) as {
  thresholds: { autoLink: number; review: number };
  grades: { probable: number; possible: number };
  fields: Array<{ id: string }>;
};

interface ContributionView {
  field: string;
  level: string;
  a: string | null;
  b: string | null;
  weight: number;
}

describe('matching: $match-style search and pairwise compare', () => {
  let t: TestApp;
  let feed: string;
  let query: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization('mercy', 'urn:oid:2.16.840.1.113883.3.3001', 'Mercy');
    feed = (await t.clientToken(['feed'], 'mercy')).token;
    query = (await t.clientToken(['query'], 'mercy')).token;
  });

  const put = (localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/mercy/records/${localId}`).auth(feed, { type: 'bearer' }).send(body).expect(201);
  const match = (body: unknown, token = query) => t.http().post('/api/v1/match').auth(token, { type: 'bearer' }).send(body as object);
  const compare = (body: unknown, token = query) => t.http().post('/api/v1/match/compare').auth(token, { type: 'bearer' }).send(body as object);
  const count = async (from: string): Promise<number> => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${from}`))[0].n;
  const expectContribution = (c: ContributionView) => {
    expect(Object.keys(c)).toEqual(expect.arrayContaining(['field', 'level', 'a', 'b', 'weight']));
    expect(typeof c.field).toBe('string');
    expect(typeof c.level).toBe('string');
    expect(typeof c.weight).toBe('number');
    expect(Number.isFinite(c.weight)).toBe(true);
  };

  describe('POST /api/v1/match', () => {
    it('returns the fed person as a certain candidate with score, probability and contributions, audits the query, and stores nothing', async () => {
      const fed = await put('M-1', buildDemographics());
      await put('M-2', buildDemographics({}, 1));
      const before = { records: await count('source_record'), persons: await count('person'), events: await count('link_event') };

      const res = await match({ demographics: withGiven(buildDemographics(), 'Jonathan', 'Ray') }).expect(200);
      expect(res.body.candidates).toHaveLength(1);
      const [c] = res.body.candidates;
      expect(c).toMatchObject({ personId: fed.body.personId, grade: 'certain' });
      expect(c.probability).toBeGreaterThanOrEqual(RULES.thresholds.autoLink);
      expect(c.probability).toBeLessThanOrEqual(1);
      expect(c.score).toBeGreaterThan(0);
      expect(c.contributions.map((x: ContributionView) => x.field)).toEqual(RULES.fields.map((f) => f.id));
      c.contributions.forEach(expectContribution);
      expect(c.contributions.find((x: ContributionView) => x.field === 'family_name')).toMatchObject({ level: 'exact' });

      const audit: Array<{ actor_client_id: string; outcome: string; person_ids: string[]; result_count: number }> = await t.dataSource.query(
        `SELECT actor_client_id, outcome, person_ids, result_count FROM audit_event WHERE action = 'match.query'`,
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'success', person_ids: [fed.body.personId], result_count: 1 });
      expect({ records: await count('source_record'), persons: await count('person'), events: await count('link_event') }).toEqual(before);
    });

    it('answers no candidates for an unknown patient, and still audits the query', async () => {
      await put('M-1', buildDemographics());
      const res = await match({ demographics: buildDemographics({}, 3) }).expect(200);
      expect(res.body.candidates).toEqual([]);
      const audit = await t.dataSource.query(`SELECT person_ids, result_count FROM audit_event WHERE action = 'match.query'`);
      expect(audit).toEqual([{ person_ids: [], result_count: 0 }]);
    });

    it('no longer finds a retired record', async () => {
      await put('M-1', buildDemographics());
      expect((await match({ demographics: buildDemographics() }).expect(200)).body.candidates).toHaveLength(1);
      await t.http().delete('/api/v1/organizations/mercy/records/M-1').auth(feed, { type: 'bearer' }).expect(204);
      expect((await match({ demographics: buildDemographics() }).expect(200)).body.candidates).toEqual([]);
    });

    it('answers 400 for a missing or bad body, naming the field', async () => {
      const missing = await match({ limit: 5 }).expect(400);
      expect(missing.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('demographics');
      const badDate = await match({ demographics: buildDemographics({ birthDate: '1984-02-30' }) }).expect(400);
      expect(badDate.body.details.map((d: { field: string }) => d.field)).toEqual(['demographics.birthDate']);
      const badLimit = await match({ demographics: buildDemographics(), limit: 0 }).expect(400);
      expect(badLimit.body.details.map((d: { field: string }) => d.field)).toEqual(['limit']);
      expect(await count(`audit_event WHERE action = 'match.query'`)).toBe(0);
    });

    it('answers 403 to a feed-only client', async () => {
      const res = await match({ demographics: buildDemographics() }, feed).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
    });
  });

  describe('POST /api/v1/match/compare', () => {
    it('scores identical demographics as certain, with every field contribution in rule-set order', async () => {
      const d = buildDemographics();
      const res = await compare({ a: d, b: d }).expect(200);
      expect(res.body.grade).toBe('certain');
      expect(res.body.probability).toBeGreaterThanOrEqual(RULES.thresholds.autoLink);
      expect(typeof res.body.score).toBe('number');
      expect(res.body.score).toBeGreaterThan(0);
      expect(res.body.contributions.map((c: ContributionView) => c.field)).toEqual(RULES.fields.map((f) => f.id));
      res.body.contributions.forEach(expectContribution);
      for (const c of res.body.contributions as ContributionView[]) expect(c.level).toBe('exact');
      // The score is the prior plus the field weights (Fellegi–Sunter).
      const sum = (res.body.contributions as ContributionView[]).reduce((s, c) => s + c.weight, 0);
      expect(res.body.score).toBeCloseTo(res.body.priorWeight + sum, 6);
    });

    it("grades clearly different people 'certainly-not' or 'possible'", async () => {
      const res = await compare({ a: buildDemographics({}, 0), b: buildDemographics({}, 1) }).expect(200);
      expect(['certainly-not', 'possible']).toContain(res.body.grade);
      expect(res.body.probability).toBeLessThan(RULES.thresholds.review);
      expect(res.body.score).toBeLessThan(0);
      expect(res.body.contributions.map((c: ContributionView) => c.field)).toEqual(RULES.fields.map((f) => f.id));
      expect(res.body.contributions.find((c: ContributionView) => c.field === 'given_name')).toMatchObject({ level: 'else' });
      expect(res.body.contributions.find((c: ContributionView) => c.field === 'given_name').weight).toBeLessThan(0);
    });

    it('shows a missing field as contributing nothing', async () => {
      const a = buildDemographics({ identifiers: undefined });
      const res = await compare({ a, b: buildDemographics() }).expect(200);
      const ssn = res.body.contributions.find((c: ContributionView) => c.field === 'ssn');
      expect(ssn).toMatchObject({ weight: 0 });
      expect(ssn.a).toBeNull();
    });

    it('stores nothing', async () => {
      await put('M-1', buildDemographics());
      const before = { records: await count('source_record'), persons: await count('person') };
      await compare({ a: buildDemographics(), b: buildDemographics() }).expect(200);
      expect({ records: await count('source_record'), persons: await count('person') }).toEqual(before);
    });

    it('answers 400 for a missing side or a bad birthDate inside a, naming the field', async () => {
      const missing = await compare({ a: buildDemographics() }).expect(400);
      expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('b');
      const bad = await compare({ a: buildDemographics({ birthDate: '2023-02-30' }), b: buildDemographics() }).expect(400);
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['a.birthDate']);
      const unknown = await compare({ a: buildDemographics(), b: buildDemographics(), c: buildDemographics() }).expect(400);
      expect(unknown.body.details.map((d: { field: string }) => d.field)).toEqual(['c']);
    });

    it('answers 403 to a feed-only client', async () => {
      const res = await compare({ a: buildDemographics(), b: buildDemographics() }, feed).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
    });
  });
});
