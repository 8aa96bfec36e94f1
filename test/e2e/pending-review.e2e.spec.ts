import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, SSN_SYSTEM, withGiven, type Demographics } from '../factories/demographics.js';
import { assertIntegrity, partition, waitForLoad } from '../support/batch.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ORG = 'mercy';

// One patient, three registrations (rule set option decision.reevaluatePendingReviews):
//  A  the middle name entered as the given name ("Ray"), the right SSN;
//  R  the right given name, an SSN mistyped beyond a typo: against A both given name and SSN
//     differ (the twin pattern), so R waits for review in a person of its own;
//  L  the right given name and SSN: links to A's person by the SSN, and matches R on
//     everything but the SSN, which the agreeing given name and birth date waive. R, decided
//     again, links through L.
const A = withGiven(buildDemographics(), 'Ray');
const R = buildDemographics({ identifiers: [{ system: SSN_SYSTEM, value: '598-21-6604' }] });
const L = buildDemographics();
// A patient R's twin could be: given name and SSN differ from L as from A.
const TWIN = withGiven(buildDemographics({ identifiers: [{ system: SSN_SYSTEM, value: '677-30-1195' }] }), 'Marcus');

describe('records waiting for review are settled by a later link', () => {
  let t: TestApp;
  let feedToken: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.2001');
    feedToken = (await t.clientToken(['feed'], ORG)).token;
  });

  const feed = (localId: string, body: Demographics) =>
    t.http().put(`/api/v1/organizations/${ORG}/records/${localId}`).auth(feedToken, { type: 'bearer' }).send(body).expect(201);
  const tasks = async () =>
    (await t.dataSource.query(
      `SELECT r.local_id AS "record", c.local_id AS "candidate", t.reason, t.status, t.resolution, t.resolution_note AS note
       FROM review_task t JOIN source_record r ON r.id = t.record_id JOIN source_record c ON c.id = t.candidate_record_id
       ORDER BY r.local_id, c.local_id, t.reason`,
    )) as Array<{ record: string; candidate: string; reason: string; status: string; resolution: string | null; note: string | null }>;
  const eventsOf = async (localId: string) =>
    (await t.dataSource.query(
      `SELECT e.event, e.reason, e.person_id AS "personId", e.previous_person_id AS "previousPersonId", e.contributions IS NOT NULL AS explained
       FROM link_event e JOIN source_record r ON r.id = e.record_id WHERE r.local_id = $1 ORDER BY e.occurred_at, e.id`,
      [localId],
    )) as Array<{ event: string; reason: string; personId: string; previousPersonId: string | null; explained: boolean }>;

  it('a waiting record joins the person a later record links to, with a relink event, its tasks settled and the persons kept tidy', async () => {
    const a = await feed('A', A);
    const r = await feed('R', R);
    expect(r.body.decision).toMatchObject({ outcome: 'review', reasons: expect.arrayContaining(['strong-identifier-conflict']) });
    expect(r.body.personId).not.toBe(a.body.personId);
    const waitingPerson = r.body.personId;

    const l = await feed('L', L);
    expect(l.body.decision.outcome).toBe('linked');
    expect(l.body.personId).toBe(a.body.personId);
    expect(await partition(t)).toEqual(['A,L,R']);

    const [relink] = (await eventsOf('R')).slice(1);
    expect(relink).toMatchObject({ event: 'relink', personId: a.body.personId, previousPersonId: waitingPerson, explained: true });
    expect(relink.reason.split(';')).toEqual(expect.arrayContaining(['auto-link', 'strong-identifier-conflict-waived', 'pending-review-settled']));
    const [link] = await t.dataSource.query(`SELECT method, reason, grade, rule_set_version FROM record_link WHERE record_id = $1`, [r.body.recordId]);
    expect(link).toMatchObject({ method: 'auto', reason: 'auto-link', grade: 'certain' });
    // R's own task is answered; so is any task of the person's records naming R.
    const open = (await tasks()).filter((x) => x.status === 'open');
    expect(open).toEqual([]);
    const settled = (await tasks()).filter((x) => x.resolution === 'settled');
    expect(settled.map((x) => `${x.record}->${x.candidate}`)).toContain('R->A');
    expect(settled.every((x) => x.status === 'dismissed' && x.note?.includes(l.body.recordId))).toBe(true);
    // The person R waited in has no record left.
    const [q] = await t.dataSource.query(`SELECT status FROM person WHERE id = $1`, [waitingPerson]);
    expect(q.status).toBe('retired');
    const audit = await t.dataSource.query(`SELECT details FROM audit_event WHERE action = 'record.relink'`);
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ reason: 'pending-review-settled', trigger: l.body.recordId });
    await assertIntegrity(t);
  });

  it('changes nothing when the record decided again would still go to review', async () => {
    await feed('A', A);
    const twin = await feed('T', TWIN);
    expect(twin.body.decision.outcome).toBe('review');
    const before = { tasks: await tasks(), events: await eventsOf('T') };
    // A second registration of A: it links to A's person and matches the twin above auto-link
    // (all but given name and SSN agree), but the twin still conflicts with every record there.
    const again = await feed('A2', A);
    expect(again.body.decision.outcome).toBe('linked');
    expect(await partition(t)).toEqual(['A,A2', 'T']);
    expect(await eventsOf('T')).toEqual(before.events);
    const twinTasks = (await tasks()).filter((x) => x.record === 'T');
    expect(twinTasks).toEqual(before.tasks.filter((x) => x.record === 'T'));
    expect(twinTasks.every((x) => x.status === 'open')).toBe(true);
  });

  it('a batch load settles the same records as feeding them one by one, within a chunk and from a chunk', async () => {
    // One chunk: R waits and is settled within it.
    const rows: Array<[string, Demographics]> = [['A', A], ['T', TWIN], ['R', R], ['L', L], ['X', buildDemographics({}, 3)], ['A2', A]];
    for (const [id, d] of rows) await feed(id, d);
    const withoutNotes = (xs: Awaited<ReturnType<typeof tasks>>) => xs.map(({ note: _n, ...x }) => x);
    const eventList = () => t.dataSource.query(`SELECT event, reason FROM link_event ORDER BY reason, event`);
    const relinks = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'record.relink'`))[0].n;
    const single = { partition: await partition(t), tasks: withoutNotes(await tasks()), events: await eventList(), relinks: await relinks() };
    expect(single.relinks).toBe(1);
    expect(single.partition).toContain('A,A2,L,R');

    // Then the whole file as one load; then A, T and R one by one and the rest as a load (R,
    // stored before the load, is settled by its chunk).
    for (const fedFirst of [0, 3]) {
      await t.reset();
      await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.2001');
      feedToken = (await t.clientToken(['feed'], ORG)).token;
      for (const [id, d] of rows.slice(0, fedFirst)) await feed(id, d);
      const lines = rows.slice(fedFirst).map(([localId, demographics]) => JSON.stringify({ localId, demographics })).join('\n');
      const res = await t.http().post(`/api/v1/batch-loads?organizationId=${ORG}&format=ndjson`).auth(feedToken, { type: 'bearer' }).set('content-type', 'application/x-ndjson').send(lines).expect(202);
      expect((await waitForLoad(t, feedToken, res.body.id)).status).toBe('completed');
      expect(await partition(t)).toEqual(single.partition);
      expect(withoutNotes(await tasks())).toEqual(single.tasks);
      expect(await eventList()).toEqual(single.events);
      expect(await relinks()).toBe(single.relinks);
      expect((await tasks()).find((x) => x.record === 'R' && x.candidate === 'A')).toMatchObject({ status: 'dismissed', resolution: 'settled' });
      await assertIntegrity(t);
    }
  });
});
