import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from 'typeorm';
import { ChunkLinkageService, type ChunkPreread, type ChunkRecordInput } from '../../src/linkage/chunk-linkage.service.js';
import { contentHashOf } from '../../src/linkage/feed.service.js';
import type { Demographics } from '../../src/matching/engine/index.js';
import { MatchingService } from '../../src/matching/matching.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A batch chunk reads its blocks and candidates before it takes the batch lock; under the
 * lock it reads only what was written since (changed_xid not visible to its snapshot). Every
 * kind of write in between — a new record, a retirement, new demographics, a steward's merge —
 * must give the same result as reading everything under the lock.
 */
const ORG = 'north';
const SSN = 'urn:oid:2.16.840.1.113883.4.1';

const patient = (family: string, given: string, birthDate: string, phone: string, ssn: string, line: string, postalCode: string): Demographics => ({
  name: [{ family, given: [given] }],
  birthDate,
  sex: 'female',
  address: [{ line: [line], city: 'Madison', state: 'WI', postalCode }],
  telecom: [{ system: 'phone', value: phone }],
  identifiers: [{ system: SSN, value: ssn }],
});
const P = patient('Okafor', 'Adaeze', '1975-04-12', '608-555-3101', '219-09-1111', '12 Main St', '53703');
const Q = patient('Lindqvist', 'Maren', '1981-11-03', '608-555-4202', '318-27-2222', '9 Oak Ave', '53704');
const R = patient('Haddad', 'Leila', '1962-02-27', '608-555-5303', '427-36-3333', '40 Pine St', '53705');
const S = patient('Kowalski', 'Zofia', '1990-07-19', '608-555-6404', '536-45-4444', '7 Elm St', '53706');
const T = patient('Novak', 'Irena', '1958-01-05', '608-555-7505', '645-54-5555', '88 Lake Rd', '53711');
const typo = (d: Demographics, given: string): Demographics => ({ ...d, name: [{ ...d.name![0], given: [given] }] });

describe('batch chunk catch-up after its early read', () => {
  let t: TestApp;
  let feed: string;
  let steward: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization(ORG, 'urn:oid:2.16.840.1.113883.3.5001');
    feed = (await t.clientToken(['feed'], ORG)).token;
    steward = (await t.clientToken(['steward'])).token;
  });

  const put = (localId: string, d: Demographics) => t.http().put(`/api/v1/organizations/${ORG}/records/${localId}`).auth(feed, { type: 'bearer' }).send(d);
  const rowsOf = (list: Array<[string, Demographics]>): ChunkRecordInput[] => {
    const matching = t.app.get(MatchingService);
    return list.map(([localId, demographics], i) => ({ row: i + 1, localId, demographics, prepared: matching.prepare(demographics), contentHash: contentHashOf(demographics) }));
  };
  /** Links the chunk under the lock, reads who is with whom, and rolls everything back. */
  const linkAndRollBack = async (rows: ChunkRecordInput[], pre: ChunkPreread | null) => {
    const linker = t.app.get(ChunkLinkageService);
    let result: { outcomes: unknown; groups: string[]; events: unknown } | undefined;
    await t.dataSource
      .transaction(async (m: EntityManager) => {
        await linker.lockForChunk(m);
        const outcomes = await linker.linkChunk(ORG, rows, pre, { clientId: 'test', organizationId: ORG, scopes: [], requestId: '' }, m);
        const groups: Array<{ ids: string[] }> = await m.query(
          `SELECT array_agg(r.local_id ORDER BY r.local_id) AS ids FROM source_record r JOIN record_link l ON l.record_id = r.id
           WHERE r.status = 'active' GROUP BY l.person_id`,
        );
        const events = await m.query(
          `SELECT r.local_id, e.event, e.grade, e.score, e.reason FROM link_event e JOIN source_record r ON r.id = e.record_id
           WHERE e.actor_client_id = 'test' ORDER BY r.local_id`,
        );
        result = { outcomes, groups: groups.map((g) => g.ids.join(',')).sort(), events };
        throw new RollBack();
      })
      .catch((e) => {
        if (!(e instanceof RollBack)) throw e;
      });
    return result!;
  };

  /** Records A, C, D, F stored; the chunk's rows r1–r4 (typos of P, Q, R, S) and a new body for F. */
  const storedAndChunk = async () => {
    const a = (await put('A', P).expect(201)).body;
    await put('C', R).expect(201);
    const d = (await put('D', S).expect(201)).body;
    await put('F', Q).expect(201);
    const rows = rowsOf([
      ['r1', typo(P, 'Adaze')],
      ['r2', typo(Q, 'Marne')],
      ['r3', typo(R, 'Leyla')],
      ['r4', typo(S, 'Zosia')],
      ['F', typo(Q, 'Maren')],
    ]);
    return { a, d, rows };
  };

  it('sees records fed, retired and changed and persons merged after its read, as a read under the lock would', async () => {
    const { a, d, rows } = await storedAndChunk();
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => t.app.get(ChunkLinkageService).preread(ORG, rows, m));

    // Written after the read: a new record of Q, R retired, A's demographics changed so it
    // no longer matches r1, and D's person merged into a new person E.
    await put('B', Q).expect(201);
    await t.http().delete(`/api/v1/organizations/${ORG}/records/C`).auth(feed, { type: 'bearer' }).expect(204);
    await put('A', patient('Nakamura', 'Hiroko', '1949-09-30', '608-555-8606', '754-63-6666', '3 Hill St', '53715')).expect(200);
    const e = (await put('E', T).expect(201)).body;
    expect(e.personId).not.toBe(d.personId);
    await t.http().post(`/api/v1/persons/${e.personId}/merge`).auth(steward, { type: 'bearer' }).send({ personId: d.personId }).expect(200);
    expect(a.personId).toBeDefined();

    const caughtUp = await linkAndRollBack(rows, pre);
    const underLock = await linkAndRollBack(rows, null);
    expect(caughtUp).toEqual(underLock);
    // What that result is: r2 and F with the new B; r3 alone (C retired); r1 alone (A changed);
    // r4 with D and E (merged).
    expect(underLock.groups).toEqual(['A', 'B,F,r2', 'D,E,r4', 'r1', 'r3']);
  });

  it('catches up in two steps, before the lock and under it, as a read under the lock would, on every attempt', async () => {
    const { a, d, rows } = await storedAndChunk();
    const linker = t.app.get(ChunkLinkageService);
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => linker.preread(ORG, rows, m));
    const readSnapshot = pre.snapshot;

    // Before the early catch-up: a new record of Q and R retired.
    await put('B', Q).expect(201);
    await t.http().delete(`/api/v1/organizations/${ORG}/records/C`).auth(feed, { type: 'bearer' }).expect(204);
    await t.dataSource.transaction('REPEATABLE READ', (m) => linker.catchUpEarly(ORG, pre, m));
    expect(pre.snapshot).not.toBe(readSnapshot);
    expect(pre.caughtUp).toHaveLength(1);
    // After it: A's demographics changed, D's person merged into a new person E.
    await put('A', patient('Nakamura', 'Hiroko', '1949-09-30', '608-555-8606', '754-63-6666', '3 Hill St', '53715')).expect(200);
    const e = (await put('E', T).expect(201)).body;
    await t.http().post(`/api/v1/persons/${e.personId}/merge`).auth(steward, { type: 'bearer' }).send({ personId: d.personId }).expect(200);
    expect(a.personId).toBeDefined();

    const underLock = await linkAndRollBack(rows, null);
    expect(underLock.groups).toEqual(['A', 'B,F,r2', 'D,E,r4', 'r1', 'r3']);
    expect(await linkAndRollBack(rows, pre)).toEqual(underLock);
    // A second attempt builds the chunk's view again from the read: what was caught up early
    // is applied again.
    expect(pre.used).toBe(true);
    expect(await linkAndRollBack(rows, pre)).toEqual(underLock);
  });

  it('keeps the keys a chunk wrote before the lock for rows still new, and drops those of a row stored in between', async () => {
    const { rows } = await storedAndChunk();
    const linker = t.app.get(ChunkLinkageService);
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => linker.preread(ORG, rows, m));
    let seen: { early: string[]; ids: Record<string, string>; orphanKeys: number; keysOfUnused: number; r3Keys: string[]; groups: string[] } | undefined;
    await t.dataSource
      .transaction(async (m: EntityManager) => {
        const early = await linker.insertKeysEarly(rows, pre, m);
        // r1–r4 were new at the read (F was stored): their keys are in, under minted ids.
        seen = { early: [...early.keys()].sort(), ids: {}, orphanKeys: 0, keysOfUnused: 0, r3Keys: [], groups: [] };
        // Another writer stores r3 before the chunk takes the lock (its keys are not visible to it).
        await put('r3', R).expect(201);
        await linker.lockForChunk(m);
        await linker.linkChunk(ORG, rows, pre, { clientId: 'test', organizationId: ORG, scopes: [], requestId: '' }, m, undefined, early);
        for (const r of await m.query(`SELECT local_id, id FROM source_record WHERE local_id LIKE 'r%'`)) seen.ids[r.local_id] = r.id;
        [{ n: seen.orphanKeys }] = await m.query(`SELECT count(*)::int AS n FROM blocking_key k WHERE NOT EXISTS (SELECT 1 FROM source_record r WHERE r.id = k.record_id)`);
        [{ n: seen.keysOfUnused }] = await m.query(`SELECT count(*)::int AS n FROM blocking_key WHERE record_id = $1`, [early.get('r3')]);
        seen.r3Keys = (await m.query(`SELECT key FROM blocking_key WHERE record_id = $1 ORDER BY key`, [seen.ids.r3])).map((k: { key: string }) => k.key);
        for (const r of ['r1', 'r2', 'r4']) expect(seen.ids[r]).toBe(early.get(r));
        expect(seen.ids.r3).not.toBe(early.get('r3'));
        const groups: Array<{ ids: string[] }> = await m.query(
          `SELECT array_agg(r.local_id ORDER BY r.local_id) AS ids FROM source_record r JOIN record_link l ON l.record_id = r.id WHERE r.status = 'active' GROUP BY l.person_id`,
        );
        seen.groups = groups.map((g) => g.ids.join(',')).sort();
        throw new RollBack();
      })
      .catch((e) => {
        if (!(e instanceof RollBack)) throw e;
      });
    expect(seen!.early).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(seen!.orphanKeys).toBe(0);
    expect(seen!.keysOfUnused).toBe(0);
    // r3 is the record the other writer stored, now with the chunk row's keys.
    expect(seen!.r3Keys).toEqual([...new Set(rows.find((r) => r.localId === 'r3')!.prepared.keys)].sort());
    // And the chunk links as it does without keys written early (r3 stored the same way).
    const without = await linkAndRollBack(rows, null);
    expect(seen!.groups).toEqual(without.groups);
  });

  it('refuses to commit keys written before the lock whose record never came', async () => {
    const { rows } = await storedAndChunk();
    const linker = t.app.get(ChunkLinkageService);
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => linker.preread(ORG, rows, m));
    // The record check is deferred for the early statement only: a later key statement without
    // its record is refused by the trigger as before.
    await expect(
      t.dataSource.transaction(async (m: EntityManager) => {
        await linker.insertKeysEarly(rows, pre, m);
        await m.query(`INSERT INTO blocking_key (key, record_id) VALUES ('x:1', gen_random_uuid())`);
      }),
    ).rejects.toThrow(/violates its reference/);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM blocking_key k WHERE NOT EXISTS (SELECT 1 FROM source_record r WHERE r.id = k.record_id)`);
    expect(n).toBe(0);
  });

  it('links as before when nothing was written after the read', async () => {
    await put('A', P).expect(201);
    await put('B', Q).expect(201);
    const rows = rowsOf([
      ['r1', typo(P, 'Adaze')],
      ['r2', typo(Q, 'Marne')],
      ['r3', typo(P, 'Adaeze')],
    ]);
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => t.app.get(ChunkLinkageService).preread(ORG, rows, m));
    const caughtUp = await linkAndRollBack(rows, pre);
    expect(caughtUp).toEqual(await linkAndRollBack(rows, null));
    expect(caughtUp.groups).toEqual(['A,r1,r3', 'B,r2']);
  });

  /**
   * cap + 2 records of one name that share one name-only key and nothing else blocked (birth
   * dates, streets, cities, postal codes and mothers' maiden names all different); the chunk's
   * row has no birth date and matches M0 on the names, the mother's maiden name, sex, city and
   * state only (an auto-link), so only that block finds M0.
   */
  const crowdedBlock = async () => {
    const matching = t.app.get(MatchingService);
    const person = (i: number): Demographics => ({
      name: [{ family: 'Quarshie', given: ['Ximena'] }],
      birthDate: `${1930 + i}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 7) % 28)).padStart(2, '0')}`,
      sex: 'female',
      address: [{ line: [`${100 + 37 * i} ${STREETS[i]} Rd`], city: CITIES[i], state: 'WI', postalCode: String(53000 + 101 * i) }],
      mothersMaidenName: MOTHERS[i],
    });
    const rows = rowsOf([
      ['row', { name: [{ family: 'Quarshie', given: ['Ximena'] }], sex: 'female', address: [{ line: ['1 Distant Way'], city: CITIES[0], state: 'WI', postalCode: '54880' }], mothersMaidenName: MOTHERS[0] }],
    ]);
    const nameKey = rows[0].prepared.keys.find((k) => k.startsWith('name_pair_dm:'))!;
    const cap = matching.blockCap(nameKey);
    expect(cap + 2).toBeLessThanOrEqual(STREETS.length);
    const personIds: string[] = [];
    for (let i = 0; i < cap + 2; i++) personIds.push((await put(`M${i}`, person(i)).expect(201)).body.personId);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM blocking_key WHERE key = $1`, [nameKey]);
    expect(n).toBe(cap + 2);
    const [{ persons }] = await t.dataSource.query(`SELECT count(DISTINCT person_id)::int AS persons FROM record_link`);
    expect(persons).toBe(cap + 2);
    return { rows, m0: personIds[0] };
  };

  it('reads a block too large at the read again when a record it held was retired since, and links as a read under the lock would', async () => {
    const { rows, m0 } = await crowdedBlock();
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => t.app.get(ChunkLinkageService).preread(ORG, rows, m));
    expect([...pre.blocks.values()].filter((b) => b === 'oversized')).toHaveLength(1);
    // Two of the block's records retired after the read: it is back at its cap.
    for (const id of ['M1', 'M2']) await t.http().delete(`/api/v1/organizations/${ORG}/records/${id}`).auth(feed, { type: 'bearer' }).expect(204);
    const underLock = await linkAndRollBack(rows, null);
    expect(underLock.groups).toContain('M0,row');
    expect(await linkAndRollBack(rows, pre)).toEqual(underLock);
    // The single feed counts the block the same way (the new record's own key not in it yet).
    expect((await put('row', rows[0].demographics).expect(201)).body.personId).toBe(m0);
  });

  it('does not read a block too large at the read again when records were only added since', async () => {
    const { rows } = await crowdedBlock();
    const linker = t.app.get(ChunkLinkageService);
    const pre = await t.dataSource.transaction('REPEATABLE READ', (m) => linker.preread(ORG, rows, m));
    await put('N1', patient('Nakamura', 'Hiroko', '1949-09-30', '608-555-8606', '754-63-6666', '3 Hill St', '53715')).expect(201);
    await t.dataSource.transaction('REPEATABLE READ', (m) => linker.catchUpEarly(ORG, pre, m));
    await put('N2', T).expect(201);
    const reads: string[][] = [];
    const repo = (linker as unknown as { repo: { findBlocks: (keys: string[], ...rest: unknown[]) => Promise<unknown> } }).repo;
    const findBlocks = repo.findBlocks.bind(repo);
    repo.findBlocks = async (keys: string[], ...rest: unknown[]) => {
      reads.push(keys);
      return findBlocks(keys, ...rest);
    };
    try {
      const caughtUp = await linkAndRollBack(rows, pre);
      expect(reads).toEqual([]);
      expect(caughtUp).toEqual(await linkAndRollBack(rows, null));
      expect(caughtUp.groups).not.toContain('M0,row');
    } finally {
      repo.findBlocks = findBlocks;
    }
  });
});

class RollBack extends Error {}

const STREETS = ['Abbott', 'Birch', 'Cedar', 'Dogwood', 'Elm', 'Fir', 'Garnet', 'Hawthorn', 'Iris', 'Juniper', 'Kestrel', 'Linden', 'Magnolia', 'Nutmeg', 'Oakridge', 'Poplar', 'Quince', 'Redwood', 'Sycamore', 'Tamarack', 'Upland', 'Violet', 'Walnut', 'Yarrow', 'Zinnia', 'Aspen', 'Basswood', 'Chestnut', 'Driftwood', 'Evergreen', 'Foxglove', 'Ginkgo', 'Hemlock', 'Ironwood', 'Jasmine', 'Knotweed', 'Larch', 'Mulberry', 'Nettle', 'Orchard', 'Pinecone', 'Quarry'];
const MOTHERS = ['Abernathy', 'Bergstrom', 'Castellanos', 'Delacroix', 'Eriksen', 'Fitzgerald', 'Gallagher', 'Hollister', 'Ingram', 'Jablonski', 'Kowalczyk', 'Lindgren', 'Montgomery', 'Nakashima', 'Okonkwo', 'Pemberton', 'Quintero', 'Rasmussen', 'Schofield', 'Thibodeaux', 'Underwood', 'Valentini', 'Whitaker', 'Yamamoto', 'Zielinski', 'Ashworth', 'Blackwood', 'Cunningham', 'Donnelly', 'Ellsworth', 'Fairbanks', 'Goldberg', 'Hargreaves', 'Iverson', 'Jorgensen', 'Kirkpatrick', 'Lockhart', 'McAllister', 'Norquist', 'Oyelaran', 'Prendergast', 'Radcliffe'];
const CITIES = ['Madison', 'Verona', 'Sun Prairie', 'Middleton', 'Fitchburg', 'Monona', 'Waunakee', 'Stoughton', 'Oregon', 'Cottage Grove', 'DeForest', 'McFarland', 'Mount Horeb', 'Cross Plains', 'Deerfield', 'Marshall', 'Belleville', 'Brooklyn', 'Cambridge', 'Dane', 'Maple Bluff', 'Shorewood Hills', 'Windsor', 'Westport', 'Burke', 'Blooming Grove', 'Dunn', 'Rutland', 'Pleasant Springs', 'Christiana', 'Albion', 'Medina', 'York', 'Bristol', 'Springfield', 'Roxbury', 'Berry', 'Black Earth', 'Mazomanie', 'Vermont', 'Perry', 'Primrose'];
