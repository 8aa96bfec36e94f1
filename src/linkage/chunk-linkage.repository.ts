import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Contribution, NormalizedRecord } from '../matching/engine/index.js';
import type { LinkEventKind, LinkRow, RuleSetRef } from './link.repository.js';
import type { LinkPlan } from './link-plan.js';

/**
 * A list the database aggregated into one text (`string_agg(…, sep)`), split. Lists of ids
 * and keys come back this way rather than as arrays: pg parses an array literal character by
 * character, one object per character (postgres-array), which at a million records was
 * millions of short-lived objects a chunk (a block read returns ~77,000 ids).
 */
export function splitList(text: string | null, sep: string): string[] {
  return text === null || text === '' ? [] : text.split(sep);
}

export interface ChunkRecordRow {
  id: string;
  localId: string;
  status: 'active' | 'retired';
  normalized: NormalizedRecord;
  contentHash: string;
  personId: string | null;
  method: string | null;
  /** Waiting for review (link reason 'review-pending', automatic); false without a link. */
  waiting: boolean;
  keys: string[];
}

/**
 * An active block member; its normalized record as stored JSON text (parsed when needed: kept
 * by the thousand). MemberCache.normalizedOf may replace the text with the parsed record.
 */
export interface BlockRecordRow {
  id: string;
  organizationId: string;
  /** The stored JSON text; null once `normalized` holds it parsed. */
  normalizedText: string | null;
  normalized?: NormalizedRecord;
  personId: string;
  method: string;
  /** Waiting for review (link reason 'review-pending', automatic). */
  waiting: boolean;
}

/** A source record written by a transaction a snapshot did not see, as it is now. */
export interface ChangedRecordRow {
  id: string;
  organizationId: string;
  localId: string;
  status: 'active' | 'retired';
  normalized: NormalizedRecord;
  contentHash: string;
  personId: string | null;
  method: string | null;
  waiting: boolean;
  keys: string[];
}

/** What `findChangedRecords` tells of a record written since a snapshot. */
export interface ChangedRecordKeys {
  id: string;
  organizationId: string;
  localId: string;
  status: 'active' | 'retired';
  keys: string[];
  /** The record existed in the reference snapshot (`existedIn`): it may have left a block since. */
  existed: boolean;
  /** Created by a transaction `snapshot` did not see: it is not among that snapshot's records at all. */
  createdSince: boolean;
}

/** A link written by a transaction a snapshot did not see. */
export interface ChangedLinkRow {
  recordId: string;
  personId: string;
  method: string;
  waiting: boolean;
}

export interface RecordWrite {
  id: string;
  localId: string;
  demographics: object;
  normalized: NormalizedRecord;
  contentHash: string;
  lastDecision: object;
  /** `recordFields(localId, demographics, normalized, contentHash)`, when serialized already. */
  fields?: string;
}

/** The blocking keys of a chunk's records as `text[]` and `uuid[]` literals, in record order (`blockingKeyRows`). */
export interface BlockingKeyRows {
  keys: string;
  recordIds: string;
  count: number;
}

export interface LinkFinal extends Omit<LinkRow, 'linkedAt'> {
  recordId: string;
}

export interface EventWrite {
  recordId: string;
  personId: string;
  previousPersonId: string | null;
  event: LinkEventKind;
  method: string;
  grade: string | null;
  score: number | null;
  probability: number | null;
  contributions: Contribution[] | null;
  priorWeight: number | null;
  reason: string;
}

export interface TaskWrite {
  /** Closed before it was written: superseded by a later row of the chunk, or settled (`settledNote`: by what). */
  settledNote?: string;
  id: string;
  recordId: string;
  candidatePersonId: string;
  candidateRecordId: string;
  score: number;
  probability: number;
  grade: string;
  priorWeight: number;
  contributions: Contribution[];
  reason: string;
  dismissed: boolean;
}

/** What a chunk writes for one record's plan: its final link, its history event and its review tasks (ids minted by `newId`). */
export function planWrites(recordId: string, plan: LinkPlan, newId: () => string): { link: LinkFinal; event: EventWrite; tasks: TaskWrite[] } {
  return {
    link: { recordId, personId: plan.personId, ...plan.link },
    event: {
      recordId, personId: plan.personId, previousPersonId: plan.previousPersonId, event: plan.event, method: plan.link.method, grade: plan.link.grade,
      score: plan.link.score, probability: plan.link.probability, contributions: plan.contributions, priorWeight: plan.priorWeight, reason: plan.eventReason,
    },
    tasks: plan.reviewTasks.map((t) => ({
      id: newId(), recordId, candidatePersonId: t.candidatePersonId, candidateRecordId: t.candidateRecordId, score: t.score, probability: t.probability,
      grade: t.grade, priorWeight: t.priorWeight, contributions: t.contributions, reason: t.reason, dismissed: false,
    })),
  };
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * The transaction id a count reports (`ExactCountBase.xid`): its own, assigned if need be, in
 * the transaction that will write; none in a read-only one (which must not take an id for it).
 */
const xidOf = (readOnly: boolean) => (readOnly ? `NULL::text` : `pg_current_xact_id()::text`);

/** A write statement of the chunk, to run alone or with others (`runTogether`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

const statement = (sql: string, params: unknown[]): Statement => ({ sql, params });

/**
 * The members of one record of `insertRecords`' document after its id and before its last
 * decision: what a batch chunk knows of a row before it takes the lock (serialized then).
 */
export function recordFields(localId: string, demographics: object, normalized: NormalizedRecord, contentHash: string): string {
  return `"local_id":${json(localId)},"d":${json(demographics)},"n":${json(normalized)},"h":${json(contentHash)}`;
}

/** An array element quoted as node-postgres quotes it. */
const quoteElement = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A record's distinct keys as elements of a `text[]` literal (quoted as node-postgres quotes array elements), and their number. */
export function keyElements(keys: readonly string[]): { elements: string; count: number } {
  const distinct = [...new Set(keys)];
  return { elements: distinct.map(quoteElement).join(','), count: distinct.length };
}

/**
 * Keys as one newline-separated text, for `string_to_array(…, E'\n')`. A blocking key is built
 * from normalized values (codes, digits, letters, an email address) and never holds a newline;
 * one that did would split into two keys, so it is refused.
 */
export function keyList(keys: readonly string[]): string {
  for (const k of keys) if (k.includes('\n')) throw new Error('a blocking key holds a newline');
  return keys.join('\n');
}

/**
 * A `uuid[]` literal of ids that are uuids: unquoted (PostgreSQL reads both alike), built in one
 * join where node-postgres would quote and escape each of the ~20,000 member ids of a chunk.
 */
export function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

/** `BlockingKeyRows` of records, each with its `keyElements`. */
export function blockingKeyRows(records: Iterable<{ id: string; keys: { elements: string; count: number } }>): BlockingKeyRows {
  const keys: string[] = [];
  const ids: string[] = [];
  let count = 0;
  for (const r of records) {
    if (!r.keys.count) continue;
    keys.push(r.keys.elements);
    for (let i = 0; i < r.keys.count; i++) ids.push(r.id);
    count += r.keys.count;
  }
  return { keys: `{${keys.join(',')}}`, recordIds: `{${ids.join(',')}}`, count };
}

/**
 * Set-based reads and writes of a batch chunk: one statement per kind of row for the whole
 * chunk instead of one round trip per record. Every method runs in the chunk's transaction.
 */
@Injectable()
export class ChunkLinkageRepository {
  /**
   * The chunk's statements join a thousand-element array against large tables: the planner's
   * cost estimates then switch on JIT compilation, which costs more than the queries (tens to
   * hundreds of ms each). Off for this transaction only; so are parallel workers, whose
   * start-up costs more than these index probes (and the other chunks need the cores).
   */
  async withoutJit(m: EntityManager): Promise<void> {
    await m.query(`SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`);
  }

  /** This transaction's id (assigned now if it had none). */
  async currentXid(m: EntityManager): Promise<string> {
    const rows: Array<{ xid: string }> = await m.query(`SELECT pg_current_xact_id()::text AS xid`);
    return rows[0].xid;
  }

  /**
   * The transaction's snapshot, as text: run first in a REPEATABLE READ transaction, it is the
   * snapshot every later statement of it reads (`findChangedRecords` asks what it missed).
   */
  async currentSnapshot(m: EntityManager): Promise<string> {
    const rows: Array<{ snapshot: string }> = await m.query(`SELECT pg_current_snapshot()::text AS snapshot`);
    return rows[0].snapshot;
  }

  /**
   * Source records written since `snapshot` by a transaction it did not see (every writer
   * stamps changed_xid): id, organization, local id, status and blocking keys as they are now;
   * at most `limit` (`complete` false when there may be more: the caller then reads
   * everything again). The index range starts at the snapshot's xmin: older writers were all
   * visible to it. The caller picks the few it needs and reads them with `findRecordsById`.
   * `existed`: the record's creator is visible to `existedIn` (the snapshot the caller's blocks
   * were read in; NULL `created_xid`: older than migration AddRecordCreatedXid).
   */
  async findChangedRecords(snapshot: string, limit: number, existedIn: string, m: EntityManager): Promise<{ rows: ChangedRecordKeys[]; complete: boolean }> {
    const rows: Array<ChangedRecordKeys & { visible: boolean; keyList: string }> = await m.query(
      `SELECT r.id, r.organization_id AS "organizationId", r.local_id AS "localId", r.status, r.visible, r.existed, r."createdSince",
              CASE WHEN r.visible THEN '' ELSE (SELECT coalesce(string_agg(key, E'\n'), '') FROM blocking_key WHERE record_id = r.id) END AS "keyList"
       FROM (SELECT id, organization_id, local_id, status, pg_visible_in_snapshot(changed_xid, $1::pg_snapshot) AS visible,
                    created_xid IS NULL OR pg_visible_in_snapshot(created_xid, $3::pg_snapshot) AS existed,
                    created_xid IS NOT NULL AND NOT pg_visible_in_snapshot(created_xid, $1::pg_snapshot) AS "createdSince"
             FROM source_record
             WHERE changed_xid >= pg_snapshot_xmin($1::pg_snapshot) ORDER BY changed_xid LIMIT $2) r`,
      [snapshot, limit, existedIn],
    );
    return {
      rows: rows.filter((r) => !r.visible).map(({ visible: _v, keyList, ...r }) => ({ ...r, keys: splitList(keyList, '\n') })),
      complete: rows.length < limit,
    };
  }

  /**
   * The number of active records, with the statement's snapshot and this transaction's id: the
   * base `countChangedSince` counts on from.
   */
  async countActive(m: EntityManager, readOnly = false): Promise<{ n: number; snapshot: string; xid: string; file: string }> {
    const rows: Array<{ n: number; snapshot: string; xid: string; file: string }> = await m.query(
      `SELECT count(*)::int AS n, pg_current_snapshot()::text AS snapshot, ${xidOf(readOnly)} AS xid,
              pg_relation_filenode('source_record')::text AS file
       FROM source_record WHERE status = 'active'`,
    );
    return rows[0];
  }

  /**
   * What records written since `snapshot` by transactions it did not see, but for `xid` (whose
   * writes the caller counted), add to the number of active records: each created by a
   * transaction the snapshot did not see (`created_xid`), other than `xid`, adds one if active
   * now; any other (a record that may have existed in the snapshot, or that `xid` created and
   * someone changed since: retired, reactivated, changed) is `unknown` (then count in full).
   * An index range of about one chunk of rows; at most `limit` (`complete` false when there may
   * be more). Also the statement's snapshot and this transaction's id, as `countActive` gives.
   */
  async countChangedSince(
    base: { snapshot: string; xid: string },
    limit: number,
    m: EntityManager,
    readOnly = false,
  ): Promise<{ added: number; unknown: number; complete: boolean; snapshot: string; xid: string; file: string }> {
    const rows: Array<{ added: number; unknown: number; changed: number; snapshot: string; xid: string; file: string }> = await m.query(
      `SELECT count(*) FILTER (WHERE c.status = 'active' AND c.created_since)::int AS added,
              count(*) FILTER (WHERE NOT c.created_since)::int AS unknown, count(*)::int AS changed,
              pg_current_snapshot()::text AS snapshot, ${xidOf(readOnly)} AS xid,
              pg_relation_filenode('source_record')::text AS file
       FROM (SELECT status, created_xid IS NOT NULL AND created_xid IS DISTINCT FROM $2::xid8
                              AND NOT pg_visible_in_snapshot(created_xid, $1::pg_snapshot) AS created_since
             FROM source_record
             WHERE changed_xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(changed_xid, $1::pg_snapshot)
               AND changed_xid <> $2::xid8
             LIMIT $3) c`,
      [base.snapshot, base.xid, limit],
    );
    const r = rows[0];
    return { added: r.added, unknown: r.unknown, complete: r.changed < limit, snapshot: r.snapshot, xid: r.xid, file: r.file };
  }

  /** Ids of records and links written since `snapshot` by transactions it did not see; at most `limit`. */
  async findChangedIds(snapshot: string, limit: number, m: EntityManager): Promise<{ ids: string[]; complete: boolean }> {
    const rows: Array<{ id: string }> = await m.query(
      `(SELECT id FROM source_record WHERE changed_xid >= pg_snapshot_xmin($1::pg_snapshot)
          AND NOT pg_visible_in_snapshot(changed_xid, $1::pg_snapshot) ORDER BY changed_xid LIMIT $2)
       UNION ALL
       (SELECT record_id FROM record_link WHERE changed_xid >= pg_snapshot_xmin($1::pg_snapshot)
          AND NOT pg_visible_in_snapshot(changed_xid, $1::pg_snapshot) ORDER BY changed_xid LIMIT $2)`,
      [snapshot, limit],
    );
    return { ids: rows.map((r) => r.id), complete: rows.length < limit };
  }

  /** These records as they are now (any status), with link and content hash. */
  async findRecordsById(ids: string[], m: EntityManager): Promise<Array<Omit<ChangedRecordRow, 'keys'>>> {
    if (!ids.length) return [];
    return m.query(
      `SELECT r.id, r.organization_id AS "organizationId", r.local_id AS "localId", r.status, r.normalized, r.content_hash AS "contentHash",
              l.person_id AS "personId", l.method, EXISTS (SELECT 1 FROM record_link w WHERE w.record_id = r.id AND w.method = 'auto' AND w.reason = 'review-pending') AS waiting
       FROM unnest($1::uuid[]) AS x(id)
       CROSS JOIN LATERAL (SELECT id, organization_id, local_id, status, normalized, content_hash FROM source_record WHERE id = x.id LIMIT 1) r
       LEFT JOIN LATERAL (SELECT person_id, method FROM record_link WHERE record_id = r.id LIMIT 1) l ON true`,
      [ids],
    );
  }

  /** Links written since `snapshot` by a transaction it did not see (steward moves and merges among them); at most `limit`. */
  async findChangedLinks(snapshot: string, limit: number, m: EntityManager): Promise<{ rows: ChangedLinkRow[]; complete: boolean }> {
    const rows: Array<ChangedLinkRow & { visible: boolean }> = await m.query(
      `SELECT record_id AS "recordId", person_id AS "personId", method, (method = 'auto' AND reason = 'review-pending') AS waiting,
              pg_visible_in_snapshot(changed_xid, $1::pg_snapshot) AS visible
       FROM record_link WHERE changed_xid >= pg_snapshot_xmin($1::pg_snapshot) ORDER BY changed_xid LIMIT $2`,
      [snapshot, limit],
    );
    return { rows: rows.filter((r) => !r.visible), complete: rows.length < limit };
  }

  /** The chunk's records that exist already (any status), with link and blocking keys. */
  async findRecords(organizationId: string, localIds: string[], m: EntityManager): Promise<ChunkRecordRow[]> {
    if (!localIds.length) return [];
    // Each lookup is a LATERAL index probe (LIMIT 1 keeps it from being flattened): the
    // statement's generic plan must not hash-join whole tables, whatever the statistics say.
    const rows: Array<Omit<ChunkRecordRow, 'keys'> & { keyList: string }> = await m.query(
      `SELECT r.id, r.local_id AS "localId", r.status, r.normalized, r.content_hash AS "contentHash",
              l.person_id AS "personId", l.method, EXISTS (SELECT 1 FROM record_link w WHERE w.record_id = r.id AND w.method = 'auto' AND w.reason = 'review-pending') AS waiting, k.list AS "keyList"
       FROM unnest($2::text[]) AS x(local_id)
       CROSS JOIN LATERAL (SELECT id, local_id, status, normalized, content_hash FROM source_record
                           WHERE organization_id = $1 AND local_id = x.local_id LIMIT 1) r
       LEFT JOIN LATERAL (SELECT person_id, method FROM record_link WHERE record_id = r.id LIMIT 1) l ON true
       CROSS JOIN LATERAL (SELECT coalesce(string_agg(key, E'\n'), '') AS list FROM blocking_key WHERE record_id = r.id) k`,
      [organizationId, localIds],
    );
    return rows.map(({ keyList, ...r }) => ({ ...r, keys: splitList(keyList, '\n') }));
  }

  /**
   * Members of each block (at most `limits[i]` for `keys[i]`: a block that reaches it is too
   * common). The ~13,000 keys of a chunk go as one newline-separated text (`keyList`), not an
   * array node-postgres quotes and escapes element by element. The keys are probed in index
   * order (as are the members' ids in `findActiveRecords`: record ids are time-ordered, as the
   * table's pages are): neighbouring probes share index and heap pages, which at a million
   * records are mostly not in shared buffers (18,000 members: 349 ms instead of 534 cold, 202
   * instead of 262 warm).
   */
  async findBlocks(keys: string[], limits: number[], m: EntityManager): Promise<Map<string, string[]>> {
    if (!keys.length) return new Map();
    const rows: Array<{ key: string; ids: string }> = await m.query(
      `SELECT k.key, string_agg(b.record_id::text, ',') AS ids
       FROM (SELECT u.key, u.lim FROM unnest(string_to_array($1::text, E'\n'), string_to_array($2::text, ',')::int[]) AS u(key, lim) ORDER BY u.key) k
       CROSS JOIN LATERAL (SELECT record_id FROM blocking_key WHERE key = k.key LIMIT k.lim) b GROUP BY k.key`,
      [keyList(keys), limits.join(',')],
    );
    return new Map(rows.map((r) => [r.key, splitList(r.ids, ',')]));
  }

  async findActiveRecords(ids: string[], m: EntityManager): Promise<BlockRecordRow[]> {
    if (!ids.length) return [];
    return m.query(
      `SELECT r.id, r.organization_id AS "organizationId", r.normalized::text AS "normalizedText", l.person_id AS "personId", l.method,
              EXISTS (SELECT 1 FROM record_link w WHERE w.record_id = r.id AND w.method = 'auto' AND w.reason = 'review-pending') AS waiting
       FROM (SELECT u AS id FROM unnest($1::uuid[]) AS u ORDER BY u) x
       CROSS JOIN LATERAL (SELECT id, organization_id, normalized FROM source_record WHERE id = x.id AND status = 'active' LIMIT 1) r
       CROSS JOIN LATERAL (SELECT person_id, method FROM record_link WHERE record_id = r.id LIMIT 1) l`,
      [uuidArray(ids)],
    );
  }

  /** No-match assertions of these records: the other record and its current person. */
  async findAssertions(recordIds: string[], m: EntityManager): Promise<Array<{ recordId: string; otherId: string; otherPersonId: string }>> {
    if (!recordIds.length) return [];
    return m.query(
      `SELECT x.id AS "recordId", o.other AS "otherId", l.person_id AS "otherPersonId"
       FROM unnest($1::uuid[]) AS x(id)
       JOIN no_match_assertion a ON a.record_a = x.id OR a.record_b = x.id
       CROSS JOIN LATERAL (SELECT CASE WHEN a.record_a = x.id THEN a.record_b ELSE a.record_a END AS other) o
       JOIN record_link l ON l.record_id = o.other`,
      [recordIds],
    );
  }

  /** Active records of each person, as stored before the chunk. */
  async findActiveMembers(personIds: string[], m: EntityManager): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(personIds.map((p) => [p, []]));
    if (!personIds.length) return out;
    const rows: Array<{ personId: string; ids: string }> = await m.query(
      `SELECT l.person_id AS "personId", string_agg(l.record_id::text, ',') AS ids
       FROM unnest($1::uuid[]) AS x(id)
       JOIN record_link l ON l.person_id = x.id
       JOIN source_record r ON r.id = l.record_id AND r.status = 'active'
       GROUP BY l.person_id`,
      [personIds],
    );
    for (const r of rows) out.set(r.personId, splitList(r.ids, ','));
    return out;
  }

  /**
   * Runs the chunk's write statements in one round trip: as the data-modifying CTEs of one
   * statement (parameters renumbered), which PostgreSQL runs with one snapshot; references
   * (foreign keys, the keys' statement trigger) are checked at its end, when every row is in.
   * So none of them may read what another writes: each writes rows of its own.
   */
  async runTogether(statements: Array<Statement | null>, m: EntityManager): Promise<void> {
    const list = statements.filter((x): x is Statement => x !== null);
    if (list.length === 0) return;
    if (list.length === 1) {
      await m.query(list[0].sql, list[0].params);
      return;
    }
    const params: unknown[] = [];
    const parts = list.map((x, i) => {
      const offset = params.length;
      params.push(...x.params);
      return `w${i} AS (${x.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
    });
    await m.query(`WITH ${parts.join(',\n')}\nSELECT 1`, params);
  }

  insertPersons(ids: string[]): Statement | null {
    return ids.length ? { sql: `INSERT INTO person (id) SELECT unnest($1::uuid[])`, params: [ids] } : null;
  }

  insertRecords(organizationId: string, rows: RecordWrite[]): Statement | null {
    if (!rows.length) return null;
    // One JSON document for the whole chunk (json_to_recordset): a text[] parameter of JSON
    // documents costs an escaping pass per element in the driver and an array parse here.
    // Read as `json`, each record's documents are stored as the text they are here (the
    // columns are json: RecordDocumentsAsJson), never parsed into a tree.
    // Built from each record's `fields` (serialized before the lock) where given.
    const doc = `[${rows.map((r) => `{"id":${json(r.id)},${r.fields ?? recordFields(r.localId, r.demographics, r.normalized, r.contentHash)},"ld":${json(r.lastDecision)}}`).join(',')}]`;
    return statement(
      `INSERT INTO source_record (id, organization_id, local_id, demographics, normalized, content_hash, last_decision)
       SELECT u.id, $1, u.local_id, u.d, u.n, u.h, u.ld
       FROM json_to_recordset($2::json) AS u(id uuid, local_id text, d json, n json, h text, ld json)`,
      [organizationId, doc],
    );
  }

  /** New demographics (reactivating a retired record) and the answer stored for replays. */
  updateRecords(rows: RecordWrite[]): Statement | null {
    if (!rows.length) return null;
    return statement(
      `UPDATE source_record s SET demographics = u.d::json, normalized = u.n::json, content_hash = u.h,
         last_decision = u.ld::json, status = 'active', retired_at = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, d, n, h, ld)
       WHERE s.id = u.id`,
      [rows.map((r) => r.id), rows.map((r) => json(r.demographics)), rows.map((r) => json(r.normalized)),
        rows.map((r) => r.contentHash), rows.map((r) => json(r.lastDecision))],
    );
  }

  /** Keys of records whose keys `insertBlockingKeys` then writes again: a statement of its own, before those. */
  async deleteBlockingKeys(recordIds: string[], m: EntityManager): Promise<void> {
    if (recordIds.length) await m.query(`DELETE FROM blocking_key b USING unnest($1::uuid[]) AS x(id) WHERE b.record_id = x.id`, [recordIds]);
  }

  insertBlockingKeys(keys: BlockingKeyRows): Statement | null {
    if (keys.count) {
      return statement(
        // In record order, so a record's keys share a heap page (read back by record id).
        // No conflict is possible: a changed record's keys were deleted before
        // (deleteBlockingKeys), a record's keys are distinct, and a new record has none yet.
        `INSERT INTO blocking_key (key, record_id) SELECT * FROM unnest($1::text[], $2::uuid[]) AS k(key, record_id)`,
        // The array literals are built per record before the lock (blockingKeyRows).
        [keys.keys, keys.recordIds],
      );
    }
    return null;
  }

  /**
   * Keys of records the chunk writes only later in its transaction (ids minted before the
   * batch lock): their record check is the caller's (`keysWithoutRecord` once the records are
   * in, before the COMMIT), for this statement only (migration BlockingKeyRecordCheckDeferrable).
   */
  async insertKeysBeforeRecords(keys: BlockingKeyRows, m: EntityManager): Promise<void> {
    const statement = this.insertBlockingKeys(keys);
    if (!statement) return;
    await m.query(`SELECT set_config('mpi.key_record_check', 'deferred', true)`);
    await m.query(statement.sql, statement.params);
    await m.query(`SELECT set_config('mpi.key_record_check', 'immediate', true)`);
  }

  /** How many of these record ids have no record (the check `insertKeysBeforeRecords` deferred). */
  async keysWithoutRecord(recordIds: string[], m: EntityManager): Promise<number> {
    if (!recordIds.length) return 0;
    const [{ n }] = await m.query(
      `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS x(id)
       LEFT JOIN LATERAL (SELECT true AS found FROM source_record r WHERE r.id = x.id LIMIT 1) f ON true
       WHERE f.found IS NULL`,
      [recordIds],
    );
    return n;
  }

  /** Open review tasks of (or pointing at) records whose demographics changed are superseded. */
  async dismissOpenTasksOf(recordIds: string[], actorClientId: string | null, m: EntityManager): Promise<void> {
    if (!recordIds.length) return;
    await m.query(
      `UPDATE review_task SET status = 'dismissed', resolution = 'superseded', resolved_by = $2, resolved_at = now()
       WHERE status = 'open' AND id IN (
         SELECT t.id FROM unnest($1::uuid[]) AS x(id) JOIN review_task t ON t.record_id = x.id
         UNION SELECT t.id FROM unnest($1::uuid[]) AS x(id) JOIN review_task t ON t.candidate_record_id = x.id)`,
      [recordIds, actorClientId],
    );
  }

  upsertLinks(links: LinkFinal[], ruleSet: RuleSetRef, actorClientId: string | null): Statement | null {
    if (!links.length) return null;
    return statement(
      `INSERT INTO record_link (record_id, person_id, method, grade, score, probability, reason, flags,
         rule_set_id, rule_set_version, rule_set_hash, linked_by, linked_at)
       SELECT u.record_id, u.person_id, u.method, u.grade, u.score, u.probability, u.reason, u.flags::text[], $9, $10, $11, $12, now()
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[])
         AS u(record_id, person_id, method, grade, score, probability, reason, flags)
       ON CONFLICT (record_id) DO UPDATE SET person_id = EXCLUDED.person_id, method = EXCLUDED.method,
         grade = EXCLUDED.grade, score = EXCLUDED.score, probability = EXCLUDED.probability, reason = EXCLUDED.reason,
         flags = EXCLUDED.flags, rule_set_id = EXCLUDED.rule_set_id, rule_set_version = EXCLUDED.rule_set_version,
         rule_set_hash = EXCLUDED.rule_set_hash, linked_by = EXCLUDED.linked_by, linked_at = now()`,
      [links.map((l) => l.recordId), links.map((l) => l.personId), links.map((l) => l.method), links.map((l) => l.grade),
        links.map((l) => l.score), links.map((l) => l.probability), links.map((l) => l.reason),
        links.map((l) => `{${l.flags.map((f) => `"${f}"`).join(',')}}`), ruleSet.id, ruleSet.version, ruleSet.hash, actorClientId],
    );
  }

  /**
   * Appends the link history in the chunk's row order. The document is read as `json` (lexed,
   * each field taken as its text): only the contributions are built into jsonb, for their column.
   */
  appendEvents(events: EventWrite[], ruleSet: RuleSetRef, actorClientId: string | null, requestId: string | null): Statement | null {
    if (!events.length) return null;
    return statement(
      `INSERT INTO link_event (record_id, person_id, previous_person_id, event, method, grade, score, probability,
         contributions, prior_weight, reason, rule_set_id, rule_set_version, rule_set_hash, actor_client_id, request_id)
       SELECT u.record_id, u.person_id, u.previous, u.event, u.method, u.grade, u.score, u.probability, u.c, u.prior,
              u.reason, $2, $3, $4, $5, $6
       FROM json_to_recordset($1::json) AS u(ord int, record_id uuid, person_id uuid, previous uuid, event text, method text, grade text,
                                             score float8, probability float8, c jsonb, prior float8, reason text)
       ORDER BY u.ord`,
      [
        json(events.map((e, ord) => ({
          ord, record_id: e.recordId, person_id: e.personId, previous: e.previousPersonId, event: e.event, method: e.method, grade: e.grade,
          score: e.score, probability: e.probability, c: e.contributions, prior: e.priorWeight, reason: e.reason,
        }))),
        ruleSet.id, ruleSet.version, ruleSet.hash, actorClientId, requestId,
      ],
    );
  }

  insertReviewTasks(tasks: TaskWrite[], ruleSet: RuleSetRef, actorClientId: string | null): Statement | null {
    if (!tasks.length) return null;
    return statement(
      `INSERT INTO review_task (id, record_id, candidate_person_id, candidate_record_id, score, probability, grade,
         prior_weight, contributions, reason, rule_set_id, rule_set_version, rule_set_hash,
         status, resolution, resolved_by, resolved_at, resolution_note)
       SELECT u.id, u.record_id, u.person_id, u.cand_record, u.score, u.probability, u.grade, u.prior, u.c::jsonb, u.reason, $12, $13, $14,
              CASE WHEN u.dismissed THEN 'dismissed' ELSE 'open' END,
              CASE WHEN u.dismissed THEN CASE WHEN u.note IS NULL THEN 'superseded' ELSE 'settled' END END,
              CASE WHEN u.dismissed THEN $15 END, CASE WHEN u.dismissed THEN now() END, u.note
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::float8[], $6::float8[], $7::text[], $8::float8[],
                   $9::text[], $10::text[], $11::boolean[], $16::text[])
         WITH ORDINALITY AS u(id, record_id, person_id, cand_record, score, probability, grade, prior, c, reason, dismissed, note, ord)
       ORDER BY u.ord`,
      [tasks.map((t) => t.id), tasks.map((t) => t.recordId), tasks.map((t) => t.candidatePersonId), tasks.map((t) => t.candidateRecordId),
        tasks.map((t) => t.score), tasks.map((t) => t.probability), tasks.map((t) => t.grade), tasks.map((t) => t.priorWeight),
        tasks.map((t) => json(t.contributions)), tasks.map((t) => t.reason), tasks.map((t) => t.dismissed),
        ruleSet.id, ruleSet.version, ruleSet.hash, actorClientId, tasks.map((t) => t.settledNote ?? null)],
    );
  }
}
