import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, withPhone, type Demographics } from '../factories/demographics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A pair that lands in the review band: same family name, birth date and sex, another given name, nothing else. */
const reviewA: Demographics = { name: [{ family: 'Whitaker', given: ['Jonathon'] }], birthDate: '1984-03-07', sex: 'male' };
const reviewB: Demographics = { name: [{ family: 'Whitaker', given: ['Marcus'] }], birthDate: '1984-03-07', sex: 'male' };

describe('stewardship: review queue, manual links, merges and history', () => {
  let t: TestApp;
  let feedA: string;
  let feedB: string;
  let steward: string;
  let query: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization('mercy', 'urn:oid:2.16.840.1.113883.3.2001');
    await t.createOrganization('valley', 'urn:oid:2.16.840.1.113883.3.2002');
    feedA = (await t.clientToken(['feed'], 'mercy')).token;
    feedB = (await t.clientToken(['feed'], 'valley')).token;
    steward = (await t.clientToken(['steward'])).token;
    query = (await t.clientToken(['query'], 'mercy')).token;
  });

  const feed = (org: 'mercy' | 'valley', localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(org === 'mercy' ? feedA : feedB, { type: 'bearer' }).send(body);
  const get = (path: string, token = steward) => t.http().get(path).auth(token, { type: 'bearer' });
  const post = (path: string, body: object = {}, token = steward) => t.http().post(path).auth(token, { type: 'bearer' }).send(body);
  const del = (path: string, token = steward) => t.http().delete(path).auth(token, { type: 'bearer' });
  const personOf = async (recordId: string): Promise<string> =>
    (await t.dataSource.query(`SELECT person_id FROM record_link WHERE record_id = $1`, [recordId]))[0].person_id;
  const personStatus = async (personId: string): Promise<string> =>
    (await t.dataSource.query(`SELECT status FROM person WHERE id = $1`, [personId]))[0].status;
  /** Everything a merge and its undo may touch, for exact before/after comparison. */
  const linkState = async () => ({
    links: await t.dataSource.query(
      `SELECT record_id, person_id, method, grade, score, probability, reason, flags, rule_set_version, linked_by, linked_at FROM record_link ORDER BY record_id`,
    ),
    persons: await t.dataSource.query(`SELECT id, status, merged_into, consent FROM person ORDER BY id`),
    assertions: await t.dataSource.query(`SELECT record_a, record_b, origin FROM no_match_assertion ORDER BY record_a, record_b`),
  });
  const locations = async (personId: string) =>
    ((await get(`/api/v1/persons/${personId}/record-locations`, query).expect(200)).body.locations as Array<{ patientIdentifier: { value: string } }>)
      .map((l) => l.patientIdentifier.value)
      .sort();

  async function reviewPair() {
    const a = (await feed('mercy', 'M-1', reviewA).expect(201)).body;
    const b = (await feed('valley', 'V-1', reviewB).expect(201)).body;
    expect(b.decision.outcome).toBe('review');
    return { a, b, taskId: b.decision.reviewTaskIds[0] as string };
  }

  describe('review queue', () => {
    it('lists open tasks with both sides, the score and the per-field explanation', async () => {
      const { a, b, taskId } = await reviewPair();
      const res = await get('/api/v1/review-tasks').expect(200);
      expect(res.body.total).toBe(1);
      expect(res.body.nextCursor).toBeNull();
      const [task] = res.body.items;
      expect(task).toMatchObject({
        id: taskId,
        status: 'open',
        grade: expect.stringMatching(/^(probable|possible)$/),
        record: { recordId: b.recordId, organizationId: 'valley', localId: 'V-1', personId: b.personId, demographics: reviewB },
        candidate: { recordId: a.recordId, organizationId: 'mercy', localId: 'M-1', personId: a.personId, demographics: reviewA },
        ruleSet: { id: expect.any(String), version: expect.any(String), hash: expect.any(String) },
        resolution: null,
      });
      expect(task.probability).toBeGreaterThan(0);
      expect(task.probability).toBeLessThan(1);
      const given = task.contributions.find((c: { field: string }) => c.field === 'given_name');
      expect(given).toMatchObject({ level: expect.any(String), a: expect.any(String), b: expect.any(String), weight: expect.any(Number) });
      expect(given.weight).toBeLessThan(0);
      // The weights add up to the score with the prior.
      const sum = task.contributions.reduce((s: number, c: { weight: number }) => s + c.weight, task.priorWeight);
      expect(sum).toBeCloseTo(task.score, 6);

      expect((await get(`/api/v1/review-tasks/${taskId}`).expect(200)).body).toEqual(task);
      const audit = await t.dataSource.query(`SELECT action, person_ids FROM audit_event WHERE action LIKE 'review-task.%' ORDER BY id`);
      expect(audit.map((e: { action: string }) => e.action)).toEqual(['review-task.list', 'review-task.read']);
      expect([...audit[0].person_ids].sort()).toEqual([a.personId, b.personId].sort());
    });

    it('orders probable before possible, oldest first, and pages with a cursor', async () => {
      // Three review pairs; their grades come from the engine, the order from the queue.
      await reviewPair();
      for (const [i, given] of [['2', 'Marcus'], ['3', 'Ezra']] as const) {
        await feed('mercy', `M-${i}0`, { name: [{ family: 'Pemberton', given: ['Shanice'] }], birthDate: `1988-08-2${i}`, sex: 'female' }).expect(201);
        await feed('valley', `V-${i}0`, { name: [{ family: 'Pemberton', given: [given] }], birthDate: `1988-08-2${i}`, sex: 'female' }).expect(201);
      }
      const all = (await get('/api/v1/review-tasks?limit=100').expect(200)).body.items as Array<{ id: string; grade: string; createdAt: string }>;
      expect(all.length).toBeGreaterThanOrEqual(3);
      const band = (g: string) => (g === 'probable' ? 0 : 1);
      for (let i = 1; i < all.length; i++) {
        const [p, c] = [all[i - 1], all[i]];
        expect(band(p.grade) < band(c.grade) || (band(p.grade) === band(c.grade) && p.createdAt <= c.createdAt)).toBe(true);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Array<{ id: string }>; nextCursor: string | null; total: number } = (
          await get(`/api/v1/review-tasks?limit=1${cursor ? `&cursor=${cursor}` : ''}`).expect(200)
        ).body;
        expect(page.items.length).toBe(1);
        expect(page.total).toBe(all.length);
        seen.push(page.items[0].id);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.map((x) => x.id));

      const valleyOnly = (await get('/api/v1/review-tasks?organizationId=valley&limit=100').expect(200)).body;
      expect(valleyOnly.total).toBe(all.length);
      expect((await get('/api/v1/review-tasks?organizationId=nowhere').expect(200)).body).toEqual({ items: [], nextCursor: null, total: 0 });
      const possible = (await get('/api/v1/review-tasks?grade=possible&limit=100').expect(200)).body.items as Array<{ grade: string }>;
      expect(possible.every((x) => x.grade === 'possible')).toBe(true);
    });

    it('rejects bad paging and filters naming the field, and anyone without steward scope', async () => {
      const { taskId } = await reviewPair();
      const bad = await get('/api/v1/review-tasks?status=closed&limit=0&grade=certain').expect(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['grade', 'limit', 'status']);
      expect((await get('/api/v1/review-tasks?cursor=bm90LWEtY3Vyc29y').expect(400)).body.code).toBe('INVALID_CURSOR');
      await get('/api/v1/review-tasks/not-a-uuid').expect(400);
      await get('/api/v1/review-tasks/00000000-0000-4000-8000-000000000000').expect(404);
      await get('/api/v1/review-tasks', query).expect(403);
      await get(`/api/v1/review-tasks/${taskId}`, feedA).expect(403);
      await post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'same-person' }, query).expect(403);
      await t.http().get('/api/v1/review-tasks').expect(401);
      const wrong = await post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'maybe' }).expect(400);
      expect(wrong.body.details[0].field).toBe('decision');
      expect((await t.dataSource.query(`SELECT status FROM review_task WHERE id = $1`, [taskId]))[0].status).toBe('open');
    });
  });

  describe('resolving a task', () => {
    it('"same person" links the record into the candidate person, stickily, and changes persons, history and locations at once', async () => {
      const { a, b, taskId } = await reviewPair();
      const res = await post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'same-person', note: 'confirmed by phone' }).expect(200);
      expect(res.body).toMatchObject({ recordId: b.recordId, personId: a.personId, previousPersonId: b.personId });
      expect(res.body.task).toMatchObject({ status: 'resolved', resolution: { decision: 'same-person', note: 'confirmed by phone' } });
      expect(await personOf(b.recordId)).toBe(a.personId);
      expect(await personStatus(b.personId)).toBe('retired');
      expect(await locations(a.personId)).toEqual(['M-1', 'V-1']);
      const person = (await get(`/api/v1/persons/${a.personId}`).expect(200)).body;
      expect(person.records.find((r: { recordId: string }) => r.recordId === b.recordId).link).toMatchObject({ method: 'manual', grade: 'certain' });

      const history = (await get(`/api/v1/persons/${a.personId}/history`).expect(200)).body;
      expect(history.events[0]).toMatchObject({
        event: 'manual-link', recordId: b.recordId, personId: a.personId, previousPersonId: b.personId, method: 'manual',
        actor: expect.any(String), note: 'confirmed by phone', ruleSet: { version: expect.any(String) },
      });
      expect(history.events.map((e: { event: string }) => e.event)).toEqual(['manual-link', 'link']);
      const recordHistory = (await get(`/api/v1/records/${b.recordId}/history`).expect(200)).body;
      expect(recordHistory.events.map((e: { event: string }) => e.event)).toEqual(['manual-link', 'link']);

      // Sticky: new demographics that match nobody leave the manual link where it is.
      const moved = await feed('valley', 'V-1', { ...reviewB, name: [{ family: 'Zylstra', given: ['Quentin'] }] }).expect(200);
      expect(moved.body.personId).toBe(a.personId);
      expect(moved.body.link.method).toBe('manual');
      await post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'different-people' }).expect(409);
      const audit = await t.dataSource.query(`SELECT action FROM audit_event WHERE action IN ('steward.link', 'review-task.resolve') ORDER BY id`);
      expect(audit.map((e: { action: string }) => e.action)).toEqual(['steward.link', 'review-task.resolve']);
    });

    it('"different people" stores a no-match assertion that survives re-feeding either record', async () => {
      const { a, b, taskId } = await reviewPair();
      const res = await post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'different-people' }).expect(200);
      expect(res.body).toMatchObject({ recordId: b.recordId, personId: b.personId, previousPersonId: null, task: { status: 'resolved' } });
      // Re-feed with more agreeing evidence than before: still two persons, and no new task for the pair.
      const again = await feed('valley', 'V-1', withPhone(reviewB, '608-555-0143')).expect(200);
      expect(again.body.personId).toBe(b.personId);
      expect(again.body.decision.reasons).toContain('no-match-asserted');
      const againA = await feed('mercy', 'M-1', withPhone(reviewA, '608-555-0143')).expect(200);
      expect(againA.body.personId).toBe(a.personId);
      expect((await get('/api/v1/review-tasks').expect(200)).body.total).toBe(0);
      expect(await t.dataSource.query(`SELECT origin FROM no_match_assertion`)).toEqual([{ origin: 'review' }]);
    });

    it('lets only one of two concurrent decisions on a task win', async () => {
      const { taskId } = await reviewPair();
      const [x, y] = await Promise.all([
        post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'same-person' }),
        post(`/api/v1/review-tasks/${taskId}/resolve`, { decision: 'different-people' }),
      ]);
      expect([x.status, y.status].sort()).toEqual([200, 409]);
      const winner = x.status === 200 ? 'same-person' : 'different-people';
      const assertions = (await t.dataSource.query(`SELECT count(*)::int AS n FROM no_match_assertion`))[0].n;
      expect(assertions).toBe(winner === 'different-people' ? 1 : 0);
    });
  });

  describe('manual link and unlink', () => {
    it('unlink gives the record a new person that automatic matching never merges back', async () => {
      const one = buildDemographics();
      const a = (await feed('mercy', 'M-1', one).expect(201)).body;
      const b = (await feed('valley', 'V-1', withPhone(one, '608-555-0199')).expect(201)).body;
      expect(b.personId).toBe(a.personId);

      const res = await del(`/api/v1/persons/${a.personId}/records/${b.recordId}`).expect(200);
      expect(res.body).toMatchObject({ recordId: b.recordId, previousPersonId: a.personId, link: { method: 'manual' } });
      const newPerson = res.body.personId as string;
      expect(newPerson).not.toBe(a.personId);
      expect(await locations(a.personId)).toEqual(['M-1']);
      expect(await locations(newPerson)).toEqual(['V-1']);

      // Updating either record re-matches it, but never back together.
      expect((await feed('mercy', 'M-1', withPhone(one, '608-555-0100')).expect(200)).body.personId).toBe(a.personId);
      expect((await feed('valley', 'V-1', withPhone(one, '608-555-0101')).expect(200)).body.personId).toBe(newPerson);
      // A third record matching both now goes to a steward rather than picking one.
      const c = (await feed('mercy', 'M-2', one).expect(201)).body;
      expect(c.decision.outcome).toBe('review');
      const tasks = (await get('/api/v1/review-tasks').expect(200)).body.items as Array<{ record: { recordId: string }; candidate: { personId: string } }>;
      expect(tasks.filter((x) => x.record.recordId === c.recordId).map((x) => x.candidate.personId).sort()).toEqual([a.personId, newPerson].sort());

      // Alone in its person: nothing to unlink from.
      const alone = await del(`/api/v1/persons/${newPerson}/records/${b.recordId}`).expect(409);
      expect(alone.body.code).toBe('RECORD_IS_ALONE');
      expect((await del(`/api/v1/persons/${a.personId}/records/${b.recordId}`).expect(404)).body.code).toBe('RECORD_NOT_IN_PERSON');
    });

    it('manual link moves a record between persons and overrides an earlier unlink', async () => {
      const a = (await feed('mercy', 'M-1', buildDemographics({}, 0)).expect(201)).body;
      const b = (await feed('valley', 'V-1', buildDemographics({}, 1)).expect(201)).body;
      expect(b.personId).not.toBe(a.personId);
      const res = await post(`/api/v1/persons/${a.personId}/records`, { recordId: b.recordId }).expect(200);
      expect(res.body).toMatchObject({ recordId: b.recordId, personId: a.personId, previousPersonId: b.personId, link: { method: 'manual', grade: 'certain' } });
      expect(await personStatus(b.personId)).toBe('retired');
      // Linking again is idempotent: still there, no second move.
      expect((await post(`/api/v1/persons/${a.personId}/records`, { recordId: b.recordId }).expect(200)).body.previousPersonId).toBeNull();

      const split = (await del(`/api/v1/persons/${a.personId}/records/${b.recordId}`).expect(200)).body;
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM no_match_assertion`))[0].n).toBe(1);
      await post(`/api/v1/persons/${a.personId}/records`, { recordId: b.recordId }).expect(200);
      expect(await personStatus(split.personId)).toBe('retired');
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM no_match_assertion`))[0].n).toBe(0);

      // Bad targets change nothing.
      expect((await post(`/api/v1/persons/${b.personId}/records`, { recordId: a.recordId }).expect(409)).body.code).toBe('PERSON_NOT_ACTIVE');
      await post(`/api/v1/persons/00000000-0000-4000-8000-000000000000/records`, { recordId: a.recordId }).expect(404);
      await post(`/api/v1/persons/${a.personId}/records`, { recordId: '00000000-0000-4000-8000-000000000000' }).expect(404);
      expect((await post(`/api/v1/persons/${a.personId}/records`, { recordId: 'x' }).expect(400)).body.details[0].field).toBe('recordId');
      await post(`/api/v1/persons/${a.personId}/records`, { recordId: b.recordId }, query).expect(403);
      expect(await personOf(a.recordId)).toBe(a.personId);
    });
  });

  describe('merge and unmerge', () => {
    async function twoPersons() {
      const a = (await feed('mercy', 'M-1', buildDemographics({}, 0)).expect(201)).body;
      const a2 = (await feed('valley', 'V-1', buildDemographics({}, 0)).expect(201)).body;
      const b = (await feed('mercy', 'M-2', buildDemographics({}, 1)).expect(201)).body;
      const b2 = (await feed('valley', 'V-2', withPhone(buildDemographics({}, 1), '512-555-0100')).expect(201)).body;
      expect(a2.personId).toBe(a.personId);
      expect(b2.personId).toBe(b.personId);
      return { a, a2, b, b2 };
    }

    it('merges two persons and undo gives back exactly the earlier state', async () => {
      const { a, b, b2 } = await twoPersons();
      // An earlier steward assertion between the two persons, which the merge overrides.
      await del(`/api/v1/persons/${b.personId}/records/${b2.recordId}`).expect(200);
      await post(`/api/v1/persons/${b.personId}/records`, { recordId: b2.recordId }).expect(200);
      const split = (await del(`/api/v1/persons/${b.personId}/records/${b2.recordId}`).expect(200)).body;
      const before = await linkState();

      const merged = await post(`/api/v1/persons/${a.personId}/merge`, { personId: b.personId, note: 'same patient' }).expect(200);
      expect(merged.body).toMatchObject({ mergeId: expect.any(String), personId: a.personId, mergedPersonId: b.personId, movedRecordIds: [b.recordId] });
      expect(await personStatus(b.personId)).toBe('merged');
      expect(await locations(a.personId)).toEqual(['M-1', 'M-2', 'V-1']);
      expect(await locations(b.personId)).toEqual([]);
      const mergedView = (await get(`/api/v1/persons/${b.personId}`).expect(200)).body;
      expect(mergedView).toMatchObject({ personId: b.personId, status: 'merged', mergedInto: a.personId, records: [] });
      await get(`/api/v1/persons/${b.personId}`, query).expect(404);
      expect((await get(`/api/v1/merges?personId=${b.personId}`).expect(200)).body.items).toMatchObject([{ mergeId: merged.body.mergeId, status: 'active' }]);

      const undone = await post(`/api/v1/merges/${merged.body.mergeId}/undo`).expect(200);
      expect(undone.body).toMatchObject({ status: 'undone', personId: a.personId, restoredPersonId: b.personId, restoredRecordIds: [b.recordId], notRestored: [] });
      expect(await linkState()).toEqual(before);
      expect(await locations(b.personId)).toEqual(['M-2']);
      expect(await locations(split.personId)).toEqual(['V-2']);
      expect((await post(`/api/v1/merges/${merged.body.mergeId}/undo`).expect(409)).body.code).toBe('MERGE_ALREADY_UNDONE');

      const events = (await get(`/api/v1/persons/${b.personId}/history`).expect(200)).body.events.map((e: { event: string }) => e.event);
      expect(events.slice(0, 2)).toEqual(['unmerge', 'merge']);
      const audit = await t.dataSource.query(`SELECT action, person_ids FROM audit_event WHERE action IN ('steward.merge', 'steward.unmerge') ORDER BY id`);
      expect(audit.map((e: { action: string }) => e.action)).toEqual(['steward.merge', 'steward.unmerge']);
    });

    it('does not bring back an overridden no-match assertion between records a steward put together after the merge', async () => {
      const { b, b2 } = await twoPersons();
      // b2 split off: "b2 is not b" (asserted), then its person absorbs b's person again.
      const split = (await del(`/api/v1/persons/${b.personId}/records/${b2.recordId}`).expect(200)).body;
      const merge = (await post(`/api/v1/persons/${split.personId}/merge`, { personId: b.personId }).expect(200)).body;
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM no_match_assertion`))[0].n).toBe(0);
      // After the merge the steward splits b2 off again and then links b to it by hand.
      const again = (await del(`/api/v1/persons/${split.personId}/records/${b2.recordId}`).expect(200)).body;
      await post(`/api/v1/persons/${again.personId}/records`, { recordId: b.recordId }).expect(200);
      expect(await personOf(b.recordId)).toBe(again.personId);

      const undone = (await post(`/api/v1/merges/${merge.mergeId}/undo`).expect(200)).body;
      expect(undone.notRestored).toEqual([{ recordId: b.recordId, personId: again.personId, reason: 'moved-after-merge' }]);
      // The later manual link stands: b and b2 stay together, and no assertion says otherwise.
      expect(await personOf(b.recordId)).toBe(again.personId);
      expect(await personOf(b2.recordId)).toBe(again.personId);
      const together = await t.dataSource.query(
        `SELECT a.record_a FROM no_match_assertion a
         JOIN record_link la ON la.record_id = a.record_a JOIN record_link lb ON lb.record_id = a.record_b
         WHERE la.person_id = lb.person_id`,
      );
      expect(together).toEqual([]);
    });

    it('keeps what happened after the merge: new records stay with the survivor, moved-away records stay moved', async () => {
      const { a, b, b2 } = await twoPersons();
      const merge = (await post(`/api/v1/persons/${a.personId}/merge`, { personId: b.personId }).expect(200)).body;
      expect(merge.movedRecordIds.sort()).toEqual([b.recordId, b2.recordId].sort());
      // After the merge: a new record of patient 1 links to the survivor; a moved record is updated; another is moved on by a steward.
      const late = (await feed('mercy', 'M-3', withPhone(buildDemographics({}, 1), '512-555-0111')).expect(201)).body;
      expect(late.personId).toBe(a.personId);
      expect((await feed('mercy', 'M-2', withPhone(buildDemographics({}, 1), '512-555-0122')).expect(200)).body.personId).toBe(a.personId);
      const movedOn = (await del(`/api/v1/persons/${a.personId}/records/${b2.recordId}`).expect(200)).body;

      const undone = (await post(`/api/v1/merges/${merge.mergeId}/undo`).expect(200)).body;
      expect(undone.restoredRecordIds).toEqual([b.recordId]);
      expect(undone.notRestored).toEqual([{ recordId: b2.recordId, personId: movedOn.personId, reason: 'moved-after-merge' }]);
      expect(await personOf(b.recordId)).toBe(b.personId);
      expect(await personOf(late.recordId)).toBe(a.personId);
      expect(await personOf(b2.recordId)).toBe(movedOn.personId);
      const restored = (await t.dataSource.query(`SELECT method, reason FROM record_link WHERE record_id = $1`, [b.recordId]))[0];
      expect(restored).toEqual({ method: 'auto', reason: 'new-person' });
    });

    it('undoes merges last-in first-out, refuses bad merges and keeps the more private consent', async () => {
      const { a, b } = await twoPersons();
      const c = (await feed('mercy', 'M-9', buildDemographics({}, 2)).expect(201)).body;
      await t.http().put(`/api/v1/persons/${b.personId}/consent`).auth(steward, { type: 'bearer' }).send({ status: 'opt-out' }).expect(200);
      const first = (await post(`/api/v1/persons/${a.personId}/merge`, { personId: b.personId }).expect(200)).body;
      expect((await t.dataSource.query(`SELECT consent FROM person WHERE id = $1`, [a.personId]))[0].consent).toBe('opt-out');
      const second = (await post(`/api/v1/persons/${c.personId}/merge`, { personId: a.personId }).expect(200)).body;
      const blocked = await post(`/api/v1/merges/${first.mergeId}/undo`).expect(409);
      expect(blocked.body).toMatchObject({ code: 'MERGE_BLOCKED' });
      expect(blocked.body.message).toContain(second.mergeId);
      await post(`/api/v1/merges/${second.mergeId}/undo`).expect(200);
      await post(`/api/v1/merges/${first.mergeId}/undo`).expect(200);
      const consents = await t.dataSource.query(`SELECT id, consent FROM person WHERE id = ANY($1::uuid[])`, [[a.personId, b.personId, c.personId]]);
      expect(Object.fromEntries(consents.map((p: { id: string; consent: string }) => [p.id, p.consent]))).toEqual({
        [a.personId]: 'opt-in', [b.personId]: 'opt-out', [c.personId]: 'opt-in',
      });

      expect((await post(`/api/v1/persons/${a.personId}/merge`, { personId: a.personId }).expect(400)).body.details[0].field).toBe('personId');
      await post(`/api/v1/persons/${a.personId}/merge`, { personId: '00000000-0000-4000-8000-000000000000' }).expect(404);
      await post(`/api/v1/persons/${a.personId}/merge`, { personId: b.personId }, query).expect(403);
      await post(`/api/v1/merges/00000000-0000-4000-8000-000000000000/undo`).expect(404);
    });
  });
});
