import { CpuSlicer } from '../common/cpu-slices.js';
import { timeOrderedUuid } from '../common/time-ordered-uuid.js';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { PhaseTimer } from '../common/phase-timer.js';
import type { CandidateEvaluation, Decision, Demographics, NormalizedRecord } from '../matching/engine/index.js';
import { BlockingIndexRepository } from '../matching/blocking-index.repository.js';
import type { CandidateRow } from '../matching/candidate.repository.js';
import { decisiveCandidates } from '../matching/decisive-candidates.js';
import { PRUNED } from '../matching/engine/prune.js';
import { MatchingService, type PreparedRecord } from '../matching/matching.service.js';
import type { ExactCountBase } from '../matching/record-count.cache.js';
import { termDeltaStatements, TermFrequencyRepository, termKey, type Term } from '../matching/term-frequency.repository.js';
import {
  blockingKeyRows,
  keyElements,
  recordFields,
  type BlockRecordRow,
  type ChangedLinkRow,
  type ChangedRecordRow,
  ChunkLinkageRepository,
  type ChunkRecordRow,
  planWrites,
  type EventWrite,
  type LinkFinal,
  type RecordWrite,
  type TaskWrite,
} from './chunk-linkage.repository.js';
import { LinkRepository, type RuleSetRef } from './link.repository.js';
import { linkedPersonOf, planLink } from './link-plan.js';
import { blockCandidates } from './chunk-blocks.js';
import { ChunkPendingReviews } from './chunk-pending-reviews.js';
import { settledAudit, type SettledRecord } from './pending-review.service.js';
import { MemberCache } from './member-cache.js';

/** One valid row of a chunk, ready to link (validated, normalized, blocked, hashed). */
export interface ChunkRecordInput {
  row: number;
  localId: string;
  demographics: Demographics;
  prepared: PreparedRecord;
  contentHash: string;
  /** What the chunk's writes send for this row, serialized before the lock (`wireOf`). */
  wire?: RowWire;
}

export interface ChunkRowOutcome {
  row: number;
  record: 'created' | 'updated' | 'unchanged';
  /** Null for a replay (the same body again: nothing was decided). */
  decision: Decision['outcome'] | null;
  /** The row made a record active (a new one, or a retired one back): the index grew by one. */
  activated: boolean;
}

/**
 * A row's part of the chunk's writes that depends on the row alone: its record's members of
 * the records' insert document (`recordFields`) and its distinct blocking keys as `text[]`
 * literal elements. Serialized before the lock (`compareRows`), used under it.
 */
export interface RowWire {
  fields: string;
  keys: { elements: string; count: number };
}

/** The row's `RowWire`, serialized on first use. */
export function wireOf(r: ChunkRecordInput): RowWire {
  return (r.wire ??= {
    fields: recordFields(r.localId, r.demographics, r.prepared.normalized, r.contentHash),
    keys: keyElements(r.prepared.keys),
  });
}

/** A record as the chunk sees it: stored before the chunk, or written by an earlier row. */
interface RecordState {
  id: string;
  organizationId: string;
  localId: string | null;
  status: 'active' | 'retired';
  normalized: NormalizedRecord;
  contentHash: string;
  keys: string[];
  personId: string | null;
  method: string | null;
  /** Waiting for review: its automatic decision was review and nothing linked it since. */
  waiting: boolean;
  /** Stored before this chunk (else created by it). */
  stored: boolean;
}

/**
 * What a chunk reads before it takes the batch lock, in one snapshot: the chunk's stored
 * records, the blocks of its keys and their members, and the comparison levels of each row
 * against each stored candidate (the costly part of scoring). Under the lock, `linkChunk`
 * adds what was written since (`findChangedRecords`), so the result is the one a read under
 * the lock would give.
 */
export interface ChunkPreread {
  /**
   * pg_snapshot the chunk's view is current for: the read's, or a later one `catchUpEarly`
   * advanced it to; null when read under the lock (nothing to catch up).
   */
  snapshot: string | null;
  /** The read's own pg_snapshot (`snapshot` before `catchUpEarly` moved it): what the blocks were read in. */
  readSnapshot: string | null;
  /** The chunk's local ids. */
  localIds: Set<string>;
  /** What `catchUpEarly` read before the lock, in order (applied again when `state` is built again). */
  caughtUp: CatchUp[];
  stored: ChunkRecordRow[];
  /** Block members per key (ids), or 'oversized' when the block reached its read limit (its cap + `slack`). */
  blocks: Map<string, string[] | 'oversized'>;
  /** How many records more than its cap a key's block read takes (the chunk's stored records may leave it). */
  slack: number;
  members: BlockRecordRow[];
  /** Per row (index in the chunk): candidate record id → levels (`compareLevels`). */
  levels: Array<Map<string, Int16Array> | undefined>;
  recordCount: number;
  /**
   * The exact number of active records as of `snapshot`, counted before the lock by the read or
   * by `catchUpEarly`; under the lock the records created since are added from the catch-up's
   * own rows.
   */
  countAtSnapshot?: CountAtSnapshot;
  /** The chunk's view of records and blocks, built from the above before the lock (`stateOf`). */
  state?: ChunkState;
  /** A link attempt changed `state`: another attempt builds it again. */
  used?: boolean;
}

/**
 * Records the chunk sees (stored before it, its blocks' members), by id and by local id, and
 * block membership both ways; `changed`: records whose levels from the read are stale.
 */
interface ChunkState {
  recs: Map<string, RecordState>;
  byLocal: Map<string, RecordState>;
  blocks: Map<string, Set<string> | 'oversized'>;
  /** Per record: the keys of the blocks it is in (a handful; each once). */
  blocksOf: Map<string, string[]>;
  changed: Set<string>;
}

/** Records (those the chunk can see) and links written since a snapshot, as a later snapshot sees them. */
interface CatchUp {
  records: ChangedRecordRow[];
  links: ChangedLinkRow[];
  /**
   * A record that the chunk's read saw was written since (retired, changed): a block may have
   * lost members. Blocking keys go only when their record is retired or re-keyed; a record
   * created since only joins blocks.
   */
  shrinks: boolean;
  /** Of the records written since the snapshot, those created since and active now (each one more in the index). */
  createdActive: number;
  /** Every record written since the snapshot was created since (none that the snapshot counted has changed). */
  onlyCreated: boolean;
}

/** An exact count of active records as of a snapshot of a read-only transaction (`ExactCountBase` but the writer's id). */
type CountAtSnapshot = Omit<ExactCountBase, 'xid'>;

/** The chunk's view from what `preread` read: built once per link attempt (the attempt changes it). */
function stateOf(pre: ChunkPreread, organizationId: string, cache: MemberCache): ChunkState {
  if (pre.state && !pre.used) return pre.state;
  const recs = new Map<string, RecordState>();
  const byLocal = new Map<string, RecordState>();
  for (const s of pre.stored) {
    const st: RecordState = { ...s, organizationId, stored: true };
    recs.set(s.id, st);
    byLocal.set(s.localId, st);
  }
  for (const c of pre.members) recs.set(c.id, new MemberState(c, cache));
  const blocks = new Map<string, Set<string> | 'oversized'>();
  const blocksOf = new Map<string, string[]>();
  for (const [k, ids] of pre.blocks) blocks.set(k, ids === 'oversized' ? 'oversized' : new Set());
  for (const [k, ids] of pre.blocks) {
    const b = blocks.get(k);
    if (ids === 'oversized' || b === undefined || b === 'oversized') continue;
    for (const id of ids) joinBlock(b, blocksOf, id, k);
  }
  pre.state = { recs, byLocal, blocks, blocksOf, changed: new Set() };
  pre.used = false;
  for (const c of pre.caughtUp) applyCatchUp(pre.state, c, organizationId, pre.localIds);
  return pre.state;
}

function leaveBlocks(blocks: ChunkState['blocks'], blocksOf: ChunkState['blocksOf'], id: string): void {
  for (const k of blocksOf.get(id) ?? []) {
    const b = blocks.get(k);
    if (b && b !== 'oversized') b.delete(id);
  }
  blocksOf.delete(id);
}

/**
 * Records and links written after the read, as they are now, into the chunk's view. Their
 * levels from the read are stale (`changed`).
 */
function applyCatchUp(state: ChunkState, c: CatchUp, organizationId: string, localIds: Set<string>): void {
  const { recs, byLocal, blocks, blocksOf, changed } = state;
  for (const r of c.records) {
    changed.add(r.id);
    leaveBlocks(blocks, blocksOf, r.id);
    const known = recs.get(r.id);
    const mine = r.organizationId === organizationId && localIds.has(r.localId);
    if (!known && !mine && (r.status !== 'active' || r.personId === null)) continue;
    const st: RecordState = {
      id: r.id, organizationId: r.organizationId, localId: mine ? r.localId : null, status: r.status, normalized: r.normalized,
      contentHash: r.contentHash, keys: r.keys, personId: r.personId, method: r.method, waiting: r.waiting, stored: true,
    };
    recs.set(r.id, st);
    if (mine) byLocal.set(r.localId, st);
    if (r.status === 'active' && r.personId !== null) joinBlocks(blocks, blocksOf, r.id, r.keys);
  }
  for (const l of c.links) {
    const st = recs.get(l.recordId);
    if (!st) continue;
    changed.add(l.recordId);
    st.personId = l.personId;
    st.method = l.method;
    st.waiting = l.waiting;
  }
}

function joinBlocks(blocks: ChunkState['blocks'], blocksOf: ChunkState['blocksOf'], id: string, keys: Iterable<string>): void {
  for (const k of keys) {
    const b = blocks.get(k);
    if (b && b !== 'oversized') joinBlock(b, blocksOf, id, k);
  }
}

function joinBlock(block: Set<string>, blocksOf: ChunkState['blocksOf'], id: string, key: string): void {
  block.add(id);
  const mine = blocksOf.get(id);
  if (!mine) blocksOf.set(id, [key]);
  else if (!mine.includes(key)) mine.push(key);
}

/** Block members a process keeps between chunks (stored JSON text: about 1 kB each). */
const MEMBER_CACHE_CAPACITY = 250_000;
/** Of those, members kept parsed (MemberCache.normalizedOf): at 300k records the heap in use peaked 85 MB higher with 100,000 (468 -> 557 MB); a 1M load had reached 635 of its 768 MB before. */
const MEMBER_CACHE_PARSED = 50_000;
/** Changed rows beyond this many since the read: read everything again under the lock instead. */
const CATCH_UP_LIMIT = 20_000;

/**
 * Links a batch chunk exactly as feeding its rows one by one, in file order, would — but
 * set-based: the chunk's records, blocks and candidates are read in a few statements before
 * the lock (`preread`, in one snapshot, with each row's comparison levels against its stored
 * candidates), then under the lock only what changed since that snapshot is read; rows are
 * matched in memory against the stored records plus an overlay of the chunk's earlier rows
 * (their records, keys, links, term counts and the index size); everything is written back
 * in one statement per table. The caller takes the batch lock (`lockForChunk`) first, so
 * nothing else links meanwhile.
 */
@Injectable()
export class ChunkLinkageService {
  private readonly cache = new MemberCache(MEMBER_CACHE_CAPACITY, MEMBER_CACHE_PARSED);
  /** The index size after the chunk linking in this process, until its COMMIT is known (`countSettled`). */
  private pendingCount: ExactCountBase | null = null;

  constructor(
    private readonly repo: ChunkLinkageRepository,
    private readonly links: LinkRepository,
    private readonly matching: MatchingService,
    private readonly termFrequencies: TermFrequencyRepository,
    private readonly blockingIndex: BlockingIndexRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Before the batch lock, in the chunk's transaction: the blocking keys of the rows the early
   * read found new (no stored record under their local id, once in the chunk), under record ids
   * minted now. Their insert, half of a chunk's writes, then runs beside the chunk that holds
   * the lock instead of after it; nobody sees them before this transaction commits. Returns
   * local id → minted id, for `linkChunk` (which uses the id if the row is still new under the
   * lock, and deletes the keys of any it does not use) and `dropEarlyKeys`.
   */
  async insertKeysEarly(rows: ChunkRecordInput[], pre: ChunkPreread, m: EntityManager): Promise<Map<string, string>> {
    const storedLocal = new Set(pre.stored.map((s) => s.localId));
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.localId, (seen.get(r.localId) ?? 0) + 1);
    const early = new Map<string, string>();
    const fresh = rows.filter((r) => !storedLocal.has(r.localId) && seen.get(r.localId) === 1);
    for (const r of fresh) early.set(r.localId, timeOrderedUuid());
    await this.repo.insertKeysBeforeRecords(blockingKeyRows(fresh.map((r) => ({ id: early.get(r.localId)!, keys: wireOf(r).keys }))), m);
    return early;
  }

  /** Deletes the keys `insertKeysEarly` inserted, for a transaction that ends without linking. */
  async dropEarlyKeys(early: ReadonlyMap<string, string>, m: EntityManager): Promise<void> {
    await this.repo.deleteBlockingKeys([...early.values()], m);
  }

  /** Call in the chunk's transaction before it links (after `insertKeysEarly`): nothing else links until it ends. */
  async lockForChunk(m: EntityManager): Promise<void> {
    await this.links.lockForBatchChunk(m);
    // Asked again under the lock: the catch-up reads the keys of records written since the
    // read's snapshot, which a database server crash in between would have emptied.
    await this.blockingIndex.assertComplete(m);
    await this.repo.withoutJit(m);
  }

  /**
   * Reads the chunk's stored records, blocks and candidates and compares each row with its
   * stored candidates. Run it in a REPEATABLE READ transaction without the lock (the caller
   * links later with `linkChunk`), or under the lock with `snapshot: false`.
   */
  async preread(
    organizationId: string,
    rows: ChunkRecordInput[],
    m: EntityManager,
    options: { snapshot: boolean; timer?: PhaseTimer } = { snapshot: true },
  ): Promise<ChunkPreread> {
    const timer = options.timer;
    // The reads run one at a time per process, each with a snapshot taken inside: the member
    // cache moves forward from one snapshot to the next.
    // Scoring too runs one chunk at a time per process: it holds every member parsed.
    const base = this.matching.exactCountBase(); // before the read's snapshot: see countNow
    const pre = await this.cache.exclusive(async () => this.compareRows(organizationId, rows, await this.readForChunk(organizationId, rows, m, timer), options.snapshot, timer));
    if (pre.snapshot !== null) {
      // The index size as of the read's snapshot, which the catch-up under the lock starts
      // from unless `catchUpEarly` moves it on (and counts again).
      pre.countAtSnapshot = await this.countAtSnapshot(m, base);
    }
    return pre;
  }

  /** The costly half of scoring each row against its stored candidates, as read in `read`'s snapshot. */
  private async compareRows(organizationId: string, rows: ChunkRecordInput[], read: Awaited<ReturnType<ChunkLinkageService['readForChunk']>>, keepSnapshot: boolean, timer?: PhaseTimer): Promise<ChunkPreread> {
    const { stored, blocks, members, replay, byLocal } = read;
    // Yields between slices: another chunk of this process may be linking (cpu-slices.ts).
    const slicer = new CpuSlicer();
    const memberById = new Map<string, BlockRecordRow>();
    for (const c of members) memberById.set(c.id, c);
    const storedNormalized = new Map<string, NormalizedRecord>();
    for (const s of stored) if (s.status === 'active') storedNormalized.set(s.id, s.normalized);
    // First which rows compare with which records (row by row, as before), then the
    // comparisons record by record: a member is parsed just before its comparisons and is
    // garbage right after (unless the cache keeps it parsed), instead of all of a chunk's
    // ~10,000 parsed members living, and surviving the young generation, until the last row.
    const levels: ChunkPreread['levels'] = [];
    /** Per candidate record: the rows (indices) to compare it with. */
    const rowsOf = new Map<string, number[]>();
    for (const [i, r] of rows.entries()) {
      if (slicer.due()) await slicer.yield();
      if (replay(r)) continue;
      // What the writes send for the row, serialized now rather than under the lock.
      wireOf(r);
      const own = byLocal.get(r.localId)?.id;
      const byCandidate = new Map<string, Int16Array>();
      const { keys, caps } = r.prepared;
      for (let ki = 0; ki < keys.length; ki++) {
        const b = blocks.get(keys[ki]);
        if (!b || b === 'oversized' || b.length > caps[ki]) continue;
        for (const id of b) {
          if (id === own || byCandidate.has(id) || !(memberById.has(id) || storedNormalized.has(id))) continue;
          byCandidate.set(id, PRUNED); // its levels come below
          const list = rowsOf.get(id);
          if (list) list.push(i);
          else rowsOf.set(id, [i]);
        }
      }
      levels[i] = byCandidate;
    }
    for (const [id, list] of rowsOf) {
      if (slicer.due()) await slicer.yield();
      const member = memberById.get(id);
      const n = member ? this.cache.normalizedOf(member) : storedNormalized.get(id)!;
      // The index only grows while the chunk links (its prior only falls): a pair that
      // cannot reach the review floor at read.recordCount never will (PRUNED).
      for (const i of list) levels[i]!.set(id, this.matching.compareLevelsAbove(rows[i].prepared.normalized, n, read.recordCount));
    }
    if (timer) {
      for (const byCandidate of levels) {
        if (!byCandidate) continue;
        timer.count('prescored', byCandidate.size);
        for (const l of byCandidate.values()) if (l === PRUNED) timer.count('prepruned', 1);
      }
    }
    timer?.lap('preScore');
    const pre: ChunkPreread = {
      snapshot: keepSnapshot ? read.snapshot : null, readSnapshot: keepSnapshot ? read.snapshot : null, localIds: new Set(rows.map((r) => r.localId)), caughtUp: [],
      stored, blocks, slack: read.slack, members, levels, recordCount: read.recordCount,
    };
    stateOf(pre, organizationId, this.cache);
    timer?.lap('preState');
    return pre;
  }

  /** The database half of `preread`: records, blocks and members in one snapshot (returned). */
  private async readForChunk(organizationId: string, rows: ChunkRecordInput[], m: EntityManager, timer?: PhaseTimer) {
    const snapshot = await this.repo.currentSnapshot(m);
    // In the read's snapshot: without the marker the blocks below could be empty (503, retried).
    await this.blockingIndex.assertComplete(m);
    await this.repo.withoutJit(m);
    if (this.cache.syncedTo !== null) {
      const changed = await this.repo.findChangedIds(this.cache.syncedTo, CATCH_UP_LIMIT, m);
      if (changed.complete) this.cache.forget(changed.ids);
      else this.cache.clear();
    }
    this.cache.syncedTo = snapshot;
    const localIds = [...new Set(rows.map((r) => r.localId))];
    const stored = await this.repo.findRecords(organizationId, localIds, m);
    const byLocal = new Map(stored.map((s) => [s.localId, s]));
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.localId, (seen.get(r.localId) ?? 0) + 1);
    // Rows certain to be replays (stored, same body, once in the chunk) need no matching.
    const replay = (r: ChunkRecordInput) => {
      const s = byLocal.get(r.localId);
      return s !== undefined && s.status === 'active' && s.contentHash === r.contentHash && seen.get(r.localId) === 1;
    };
    // A stored block larger than its cap + slack is too common even after the chunk's own
    // records leave it, so it is not read in full.
    const slack = 2 + stored.length;
    const capOf = new Map<string, number>();
    for (const r of rows) if (!replay(r)) r.prepared.keys.forEach((k, i) => capOf.set(k, r.prepared.caps[i]));
    const keys = [...capOf.keys()];
    timer?.lap('preRecords');
    const limits = keys.map((k) => capOf.get(k)! + slack);
    const read = await this.repo.findBlocks(keys, limits, m);
    timer?.lap('preBlocks');
    const blocks = new Map<string, string[] | 'oversized'>();
    const storedIds = new Set(stored.map((s) => s.id));
    const memberIds = new Set<string>();
    for (const [i, k] of keys.entries()) {
      const ids = read.get(k) ?? [];
      const whole = ids.length < limits[i];
      blocks.set(k, whole ? ids : 'oversized');
      if (whole) for (const id of ids) if (!storedIds.has(id)) memberIds.add(id);
    }
    // Members the cache holds are what this snapshot reads (it was synced to it above).
    const members: BlockRecordRow[] = [];
    const missing: string[] = [];
    for (const id of memberIds) {
      const hit = this.cache.get(id);
      if (hit) members.push(hit);
      else missing.push(id);
    }
    const fetched = await this.repo.findActiveRecords(missing, m);
    this.cache.add(fetched);
    members.push(...fetched);
    // For pruning only (the rows are scored with `linkChunk`'s exact count: `countAtSnapshot`,
    // taken after this comparison, plus what the catch-up lists). Never a fresh count here:
    // read in this older snapshot, it would miss chunks committed since while the cache
    // subtracted them.
    // The last chunk of this process counted exactly (with its own rows): no more than the
    // index holds by the time this chunk links, unless records are retired meanwhile (then
    // `levelsValid` drops the levels).
    const recordCount = Math.max(this.matching.recordCountKnown(), this.matching.exactCountBase()?.n ?? 0);
    timer?.lap('preMembers');
    timer?.count('members', members.length);
    timer?.count('membersRead', fetched.length);
    return { snapshot, stored, blocks, slack, members, recordCount, replay, byLocal };
  }

  /**
   * Records and links written since `pre.snapshot` by transactions it did not see, as this
   * transaction sees them; null when there are too many (read everything again instead).
   */
  private async readCatchUp(organizationId: string, pre: ChunkPreread, m: EntityManager, timer?: PhaseTimer): Promise<CatchUp | null> {
    const r = await this.repo.findChangedRecords(pre.snapshot!, CATCH_UP_LIMIT, pre.readSnapshot!, m);
    const l = await this.repo.findChangedLinks(pre.snapshot!, CATCH_UP_LIMIT, m);
    if (!r.complete || !l.complete) return null;
    // Only those the chunk can see are read in full: its own local ids, records it read
    // before, and records now in one of its blocks (a few percent of the rest).
    const known = stateOf(pre, organizationId, this.cache).recs;
    const relevant = r.rows.filter(
      (c) => known.has(c.id) || (c.organizationId === organizationId && pre.localIds.has(c.localId)) || c.keys.some((k) => pre.blocks.has(k)),
    );
    const keysOf = new Map(relevant.map((c) => [c.id, c.keys]));
    const records = (await this.repo.findRecordsById([...keysOf.keys()], m)).map((c) => ({ ...c, keys: keysOf.get(c.id)! }));
    // A link of a record written since comes with the record (findRecordsById).
    const changedIds = new Set(r.rows.map((c) => c.id));
    timer?.count('changed', r.rows.length + l.rows.length);
    return {
      records, links: l.rows.filter((x) => !changedIds.has(x.recordId)), shrinks: r.rows.some((c) => c.existed),
      createdActive: r.rows.filter((c) => c.createdSince && c.status === 'active').length, onlyCreated: r.rows.every((c) => c.createdSince),
    };
  }

  /**
   * Before the lock, once the chunk just before this one is linking: catches the chunk's view
   * up with what was written since its read (the chunks before that one, any feed), in a
   * REPEATABLE READ transaction of its own, and moves `pre.snapshot` on to this transaction's
   * snapshot; under the lock only what was written after it is read. The same result as
   * catching up under the lock: what is caught up here is applied again when the view is built
   * again (`stateOf`), and anything written after this snapshot is still read under the lock.
   */
  async catchUpEarly(organizationId: string, pre: ChunkPreread, m: EntityManager, timer?: PhaseTimer): Promise<void> {
    if (pre.snapshot === null || pre.used) return;
    const base = this.matching.exactCountBase(); // before the snapshot: see countNow
    const snapshot = await this.repo.currentSnapshot(m);
    await this.repo.withoutJit(m);
    const c = await this.readCatchUp(organizationId, pre, m);
    if (c === null) return;
    applyCatchUp(stateOf(pre, organizationId, this.cache), c, organizationId, pre.localIds);
    pre.caughtUp.push(c);
    pre.snapshot = snapshot;
    // The index size as of this snapshot, here rather than under the lock (where a count in
    // full, every 30 s, read every record's heap page while the other chunks waited).
    pre.countAtSnapshot = await this.countAtSnapshot(m, base);
    timer?.count('caughtUpEarly', c.records.length);
  }

  /**
   * Links the rows in order; the caller holds the lock (`lockForChunk`) in this transaction.
   * `pre` is what `preread` read before the lock; what was written since is read now.
   */
  async linkChunk(
    organizationId: string,
    rows: ChunkRecordInput[],
    preread: ChunkPreread | null,
    actor: Actor,
    m: EntityManager,
    timer?: PhaseTimer,
    early: ReadonlyMap<string, string> = new Map(),
  ): Promise<ChunkRowOutcome[]> {
    const ruleSet = this.ruleSetRef();
    let pre = preread ?? (await this.preread(organizationId, rows, m, { snapshot: false }));
    let caught: CatchUp = { records: [], links: [], shrinks: false, createdActive: 0, onlyCreated: false };
    if (pre.snapshot !== null) {
      const c = await this.readCatchUp(organizationId, pre, m, timer);
      if (c) caught = c;
      else pre = await this.preread(organizationId, rows, m, { snapshot: false });
    }
    timer?.lap('catchUp');
    timer?.count('changedRead', caught.records.length);

    // The chunk's view, built before the lock (with what `catchUpEarly` read); it is changed in
    // place from here on (a second attempt of the transaction builds it again).
    const state = stateOf(pre, organizationId, this.cache);
    const { recs, byLocal, blocks, blocksOf } = state;
    pre.used = true;
    const join = (id: string, keys: Iterable<string>) => joinBlocks(blocks, blocksOf, id, keys);
    const leave = (id: string) => leaveBlocks(blocks, blocksOf, id);

    // Caught up: records and links written after the read, as they are now. Their levels
    // from the read are stale (`changed`), and so are those of a record an earlier row rewrites.
    applyCatchUp(state, caught, organizationId, pre.localIds);
    const changed = state.changed;
    const oversizedKeys = [...pre.blocks].filter(([, b]) => b === 'oversized').map(([k]) => k);
    // A block too large to read may have shrunk since, if a record the read saw was retired or
    // changed: read those again (the chunks of a load before this one only add records).
    if (oversizedKeys.length && (caught.shrinks || pre.caughtUp.some((c) => c.shrinks))) {
      const limits = oversizedKeys.map((k) => this.matching.blockCap(k) + pre.slack);
      const again = await this.repo.findBlocks(oversizedKeys, limits, m);
      const missing = new Set<string>();
      for (const [i, k] of oversizedKeys.entries()) {
        const ids = again.get(k) ?? [];
        if (ids.length >= limits[i]) continue;
        blocks.set(k, new Set());
        for (const id of ids) if (!recs.has(id)) missing.add(id);
      }
      for (const c of await this.repo.findActiveRecords([...missing], m)) {
        recs.set(c.id, new MemberState(c, this.cache));
      }
      for (const k of oversizedKeys) {
        const b = blocks.get(k);
        if (b === 'oversized') continue;
        for (const id of again.get(k) ?? []) if (recs.get(id)?.status === 'active') join(id, [k]);
      }
    }
    const stored = [...byLocal.values()];
    const keys = [...blocks.keys()];

    const toMatch = rows.filter((r) => {
      const s = byLocal.get(r.localId);
      return !(s && s.status === 'active' && s.contentHash === r.contentHash);
    });
    if (toMatch.some((r) => r.prepared.keys.some((k) => !blocks.has(k)))) {
      // A row that was a replay when read is not one any more (its record changed since):
      // its blocks were never read. Rare; read everything again under the lock.
      return this.linkChunk(organizationId, rows, await this.preread(organizationId, rows, m, { snapshot: false }), actor, m, timer, early);
    }
    const terms = uniqueTerms(toMatch.flatMap((r) => [...r.prepared.terms, ...(byLocal.has(r.localId) ? this.matching.termsOf(byLocal.get(r.localId)!.normalized) : [])]));
    const termCounts = new Map(await this.termFrequencies.counts(terms, m));
    timer?.lap('readTerms');
    const assertions = await this.repo.findAssertions(stored.map((s) => s.id), m);
    const assertedOthers = new Map<string, Array<{ otherId: string; personId: string }>>();
    for (const a of assertions) assertedOthers.set(a.recordId, [...(assertedOthers.get(a.recordId) ?? []), { otherId: a.otherId, personId: a.otherPersonId }]);
    const storedMembers = await this.repo.findActiveMembers([...new Set(stored.map((s) => s.personId).filter((p): p is string => p !== null))], m);
    timer?.lap('readStored');
    // The index size now, under the lock (the read before it may have been taken while the
    // chunks before this one were still linking): the one-by-one feed reads it at the start of
    // each record's transaction. It covers this process's commits exactly and other
    // processes' as of the count's last read (RecordCountCache, at most 10 s old). Each row is
    // scored with the records before it, as the feed scores a record before it is stored.
    const counted = await this.exactRecordCount(m, pre, caught);
    let recordCount = counted.n;
    // The read's levels pruned pairs that cannot reach the review floor with the prior of
    // its index size; a smaller index gives a larger prior, so they are used only if the index
    // has not shrunk since (records retired in between).
    const levelsValid = recordCount >= pre.recordCount;
    timer?.lap('readOther');
    if (counted.early) timer?.count('countedEarly', 1);
    timer?.count('keys', keys.length);

    // What the chunk writes, final state per record; events and tasks in row order.
    const touched = new Map<string, RecordState>();
    /** The row that wrote each touched record last (its demographics, normalized form, keys). */
    const inputOf = new Map<string, ChunkRecordInput>();
    const lastDecision = new Map<string, object>();
    const finalLinks = new Map<string, LinkFinal>();
    const events: EventWrite[] = [];
    const tasks: TaskWrite[] = [];
    const newPersons = new Set<string>();
    const refresh = new Set<string>();
    const changedStored = new Set<string>();
    const tfDeltas: Array<Term & { delta: number }> = [];
    const outcomes: ChunkRowOutcome[] = [];
    /** Records created under an id whose keys `insertKeysEarly` inserted (written by it, not here). */
    const earlyUsed = new Set<string>();
    /** Stored records settled by a row's link (moved to another person): their open review tasks are closed with this note. */
    const settledStored = new Map<string, { personId: string; note: string }>();
    /** Every record a row's link settled, for its audit event. */
    const settled: SettledRecord[] = [];
    let oversized = 0;

    const activeOthersIn = async (personId: string, exceptId: string): Promise<number> => {
      if (!storedMembers.has(personId)) {
        for (const [p, ids] of await this.repo.findActiveMembers([personId], m)) storedMembers.set(p, ids);
      }
      // Records a row rewrote, or a row's link settled (moved), count where they are now.
      const moved = (id: string) => touched.has(id) || settledStored.has(id);
      let n = 0;
      for (const id of storedMembers.get(personId)!) if (id !== exceptId && !moved(id)) n++;
      for (const t of touched.values()) if (t.id !== exceptId && t.personId === personId && t.status === 'active') n++;
      for (const id of settledStored.keys()) {
        const st = recs.get(id);
        if (id !== exceptId && !touched.has(id) && st?.personId === personId) n++;
      }
      return n;
    };

    // Records waiting for review that a row's link settles (chunk-pending-reviews.ts).
    const settling = new ChunkPendingReviews(
      { recs, blocks, touched, finalLinks, events, tasks, refresh, termCounts, settledStored, early, settled },
      {
        repo: this.repo, matching: this.matching, termFrequencies: this.termFrequencies, activeOthersIn, ruleSet,
        addMember: (row) => recs.set(row.id, new MemberState(row, this.cache)),
        join: (id, key) => join(id, [key]),
      },
      m,
    );
    for (const [index, r] of rows.entries()) {
      let settleAfter: { decision: Decision; scored: CandidateEvaluation[] } | null = null;
      let rec = byLocal.get(r.localId);
      if (rec && rec.status === 'active' && rec.contentHash === r.contentHash) {
        outcomes.push({ row: r.row, record: 'unchanged', decision: null, activated: false });
        continue;
      }
      const wasActive = rec?.status === 'active';
      const existed = rec !== undefined;
      const rowDeltas = [
        ...r.prepared.terms.map((t) => ({ ...t, delta: 1 })),
        ...(rec && wasActive ? this.matching.termsOf(rec.normalized).map((t) => ({ ...t, delta: -1 })) : []),
      ];
      if (rec) {
        leave(rec.id);
        if (rec.stored) changedStored.add(rec.id);
        changed.add(rec.id);
        // Superseded: open tasks of this record, or pointing at it, from earlier rows.
        for (const t of tasks) if (!t.dismissed && (t.recordId === rec.id || t.candidateRecordId === rec.id)) t.dismissed = true;
        Object.assign(rec, { normalized: r.prepared.normalized, contentHash: r.contentHash, keys: r.prepared.keys, status: 'active' });
      } else {
        // Still new under the lock: the id its keys were inserted under before the lock, if any.
        const id = early.get(r.localId) ?? timeOrderedUuid();
        if (early.has(r.localId)) earlyUsed.add(id);
        rec = { id, organizationId, localId: r.localId, status: 'active', normalized: r.prepared.normalized, contentHash: r.contentHash, keys: r.prepared.keys, personId: null, method: null, waiting: false, stored: false };
        recs.set(rec.id, rec);
        byLocal.set(r.localId, rec);
      }
      touched.set(rec.id, rec);
      inputOf.set(rec.id, r);
      join(rec.id, rec.keys);
      tfDeltas.push(...rowDeltas);
      const base = { recordId: rec.id, organizationId, localId: r.localId };

      if (rec.method === 'manual' && wasActive) {
        // A steward's link is sticky (invariant 2): new demographics, same person.
        const link = finalLinks.get(rec.id);
        lastDecision.set(rec.id, {
          ...base, personId: rec.personId,
          link: link ? { method: link.method, grade: link.grade, score: link.score, probability: link.probability } : { method: 'manual', grade: null, score: null, probability: null },
          decision: { outcome: 'linked', reviewTaskIds: [], reasons: ['manual-link-kept'], sameSourceDuplicate: false },
        });
        outcomes.push({ row: r.row, record: existed ? 'updated' : 'created', decision: 'linked', activated: !wasActive });
      } else {
        // The record's keys now (rec.keys); its blocks as the single feed counts them.
        const found = blockCandidates(blocks, recs, { id: rec.id, keys: r.prepared.keys, caps: r.prepared.caps, selfCounted: existed });
        oversized += found.oversized;
        const active = found.active;
        timer?.count('pairs', active.length);
        const asserted = new Set<string>();
        if (rec.stored && active.length) {
          for (const a of assertedOthers.get(rec.id) ?? []) asserted.add(recs.get(a.otherId)?.personId ?? a.personId);
        }
        const known = levelsValid ? pre.levels[index] : undefined;
        const levelOf = (recordId: string) => (known === undefined || changed.has(recordId) ? undefined : known.get(recordId));
        // Persons whose every pair was pruned before the lock take no part in the decision.
        const decisive = known ? decisiveCandidates(active as Array<RecordState & { personId: string }>, (c) => levelOf(c.id) === PRUNED, asserted) : active;
        this.matching.countPrunedUnscored(active.length - decisive.length);
        // The candidate's record is parsed only if its score's contributions are read.
        const candidates: CandidateRow[] = decisive.map((c) => ({ recordId: c.id, organizationId: c.organizationId, get normalized() { return c.normalized; }, personId: c.personId!, linkMethod: c.method!, waiting: c.waiting }));
        const levelsOf = known ? (c: CandidateRow) => levelOf(c.recordId) : undefined;
        const { decision, candidates: scored } = this.matching.scoreAndDecide({ organizationId, prepared: r.prepared }, candidates, { recordCount, termCounts, asserted, levelsOf, prune: true });
        const current = rec.personId ? { personId: rec.personId } : null;
        const own = linkedPersonOf(decision) || !current || (await activeOthersIn(current.personId, rec.id)) > 0 ? timeOrderedUuid() : current.personId;
        const plan = planLink(decision, current, own, ruleSet);
        const writes = planWrites(rec.id, plan, timeOrderedUuid);
        const reviewTaskIds = writes.tasks.map((t) => t.id);
        tasks.push(...writes.tasks);
        if (plan.createPerson) newPersons.add(plan.personId);
        if (current && (current.personId !== plan.personId || !wasActive)) refresh.add(current.personId).add(plan.personId);
        finalLinks.set(rec.id, writes.link);
        events.push(writes.event);
        lastDecision.set(rec.id, { ...base, ...plan.outcome, decision: { outcome: decision.outcome, reviewTaskIds, reasons: decision.reasons, sameSourceDuplicate: decision.sameSourceDuplicate } });
        rec.personId = plan.personId;
        rec.method = 'auto';
        rec.waiting = plan.link.reason === 'review-pending';
        outcomes.push({ row: r.row, record: existed ? 'updated' : 'created', decision: decision.outcome, activated: !wasActive });
        settleAfter = { decision, scored };
      }
      if (!wasActive) recordCount++;
      // Name counts change after the row, as the feed's last statement does.
      for (const t of rowDeltas) termCounts.set(termKey(t), Math.max((termCounts.get(termKey(t)) ?? 0) + t.delta, 0));
      // Then records waiting for review that the row's link may settle, as the feed does after its writes.
      if (settleAfter) await settling.settle(rec.id, settleAfter.decision, settleAfter.scored, recordCount);
    }
    this.matching.countOversized(oversized);
    // The index size after this chunk's rows, as of the count's snapshot: the next chunk of this
    // process counts on from it once this one has committed (`countSettled`).
    this.pendingCount = { ...counted.base, n: counted.base.n + recordCount - counted.n };
    timer?.lap('match');
    // Keys inserted before the lock for a row that is not new any more (its local id was stored
    // since the early read): deleted.
    const earlyUnused = [...early.values()].filter((id) => !earlyUsed.has(id));
    this.matching.countOversized(settling.oversized);
    await this.write(organizationId, { touched, inputOf, lastDecision, finalLinks, events, tasks, newPersons, refresh, changedStored, tfDeltas, earlyUsed, earlyUnused, settledStored, settled }, ruleSet, actor, m, timer);
    return outcomes;
  }

  /**
   * The exact number of active records now (the caller holds the batch lock): counted on from
   * the exact count of this process's last chunk (`ExactCountBase`) with the records written
   * since by others — the chunks of other processes, feeds — which are new records unless
   * `unknown` (then, and for the first chunk, every 30 s, or after more than CATCH_UP_LIMIT
   * changes, the table is counted in full). The same number a count of the table would give,
   * without reading the table: the full count read every record's heap page (a seq scan of
   * 194 MB at 100k records, 64-88 ms, growing with the index). Where the read or `catchUpEarly`
   * counted already (before the lock, as of the snapshot the catch-up under the lock starts
   * from), only the records that catch-up lists are added: no count under the lock at all. `base`: what the
   * next chunk of this process counts on from, once this one has committed its rows on top.
   */
  private async exactRecordCount(m: EntityManager, pre: ChunkPreread, caught: CatchUp): Promise<{ n: number; base: ExactCountBase; early: boolean }> {
    this.pendingCount = null;
    const early = pre.countAtSnapshot;
    if (early && early.snapshot === pre.snapshot && caught.onlyCreated) {
      // Counted before the lock as of the snapshot the catch-up started from, which listed every
      // record written since: each is new (none the count saw has changed), one more if active.
      // The next chunk counts on from that snapshot (with this transaction's writes), so the
      // records caught up here are counted again there, not in its base.
      return { n: early.n + caught.createdActive, base: { ...early, xid: await this.repo.currentXid(m) }, early: true };
    }
    const now = await this.countNow(m, false);
    return { n: now.n, base: now, early: false };
  }

  /** `countNow` in a read-only REPEATABLE READ transaction: the count as of its snapshot, no transaction id. */
  private async countAtSnapshot(m: EntityManager, base: ExactCountBase | null): Promise<CountAtSnapshot> {
    const { xid: _none, ...count } = await this.countNow(m, true, base);
    return count;
  }

  /**
   * The exact count as of the statement's snapshot (the transaction's, in REPEATABLE READ):
   * counted on from this process's base, or in full. The base must be one whose chunk the
   * snapshot sees committed: taken before the snapshot (a chunk sets it after its COMMIT), or
   * under the lock (this process's chunks before have committed). One set after the snapshot
   * counts that chunk's rows, which the snapshot does not hold (and the catch-up adds again).
   * `readOnly`: in a transaction that writes nothing, which must not take a transaction id for
   * it (the base's `xid` is then null).
   */
  private async countNow(m: EntityManager, readOnly: boolean, base = this.matching.exactCountBase()): Promise<ExactCountBase> {
    if (base) {
      const d = await this.repo.countChangedSince(base, CATCH_UP_LIMIT, m, readOnly);
      // A new file node: the table was truncated since (tests); rows deleted are not seen otherwise (nothing deletes records but by hand).
      if (d.complete && d.unknown === 0 && d.file === base.file) return { n: base.n + d.added, snapshot: d.snapshot, xid: d.xid, file: d.file, takenAt: base.takenAt };
    }
    const full = await this.repo.countActive(m, readOnly);
    return { ...full, takenAt: Date.now() };
  }

  /**
   * After the transaction of the chunk that last linked in this process: once committed, its
   * count is the base of the next chunk's; otherwise it is forgotten.
   */
  countSettled(committed: boolean): void {
    if (committed && this.pendingCount) this.matching.setExactCountBase(this.pendingCount);
    this.pendingCount = null;
  }

  private async write(
    organizationId: string,
    w: {
      touched: Map<string, RecordState>;
      inputOf: Map<string, ChunkRecordInput>;
      lastDecision: Map<string, object>;
      finalLinks: Map<string, LinkFinal>;
      events: EventWrite[];
      tasks: TaskWrite[];
      newPersons: Set<string>;
      refresh: Set<string>;
      changedStored: Set<string>;
      tfDeltas: Array<Term & { delta: number }>;
      earlyUsed: ReadonlySet<string>;
      earlyUnused: string[];
      settledStored: ReadonlyMap<string, { personId: string; note: string }>;
      settled: readonly SettledRecord[];
    },
    ruleSet: RuleSetRef,
    actor: Actor,
    m: EntityManager,
    timer?: PhaseTimer,
  ): Promise<void> {
    // A touched record's demographics, normalized form, content hash and keys are those of the
    // row that wrote it last (`inputOf`), serialized before the lock where it could be (`wireOf`).
    const writes = (stored: boolean): RecordWrite[] =>
      [...w.touched.values()]
        .filter((r) => r.stored === stored)
        .map((r) => {
          const input = w.inputOf.get(r.id)!;
          return { id: r.id, localId: r.localId!, demographics: input.demographics, normalized: r.normalized, contentHash: r.contentHash, lastDecision: w.lastDecision.get(r.id)!, fields: stored ? undefined : wireOf(input).fields };
        });
    // What changes rows stored before the chunk goes first, on its own: the stored records' old
    // keys and the open tasks they supersede (none in a first load).
    await this.repo.deleteBlockingKeys([...w.changedStored, ...w.earlyUnused], m);
    await this.repo.dismissOpenTasksOf([...w.changedStored], actor.clientId, m);
    // Stored records a row's link settled (rare): their stored open review tasks, before the
    // chunk's new tasks go in (a record's new decision may ask again about the same person).
    for (const [recordId, s] of w.settledStored) await this.links.settleOpenTasksOf(recordId, s.personId, s.note, actor.clientId, m);
    timer?.lap('writeStored');
    // Then everything the chunk adds, and the name counts, in one statement (one round trip
    // under the lock instead of nine). The name-count rows stay locked to the COMMIT, a few
    // milliseconds later (nothing else writes them while a chunk holds the batch lock).
    await this.repo.runTogether(
      [
        this.repo.insertPersons([...w.newPersons]),
        this.repo.insertRecords(organizationId, writes(false)),
        this.repo.updateRecords(writes(true)),
        this.repo.insertBlockingKeys(blockingKeyRows([...w.touched.values()].filter((r) => !w.earlyUsed.has(r.id)).map((r) => ({ id: r.id, keys: wireOf(w.inputOf.get(r.id)!).keys })))),
        this.repo.upsertLinks([...w.finalLinks.values()], ruleSet, actor.clientId),
        this.repo.appendEvents(w.events, ruleSet, actor.clientId, actor.requestId || null),
        this.repo.insertReviewTasks(w.tasks, ruleSet, actor.clientId),
        ...termDeltaStatements(w.tfDeltas),
      ],
      m,
    );
    timer?.lap('write');
    // The record check the keys inserted before the lock left to this transaction.
    if (w.earlyUsed.size && (await this.repo.keysWithoutRecord([...w.earlyUsed], m)) > 0) {
      throw new Error('blocking keys inserted before the batch lock have no record');
    }
    // Person statuses read the links just written.
    if (w.refresh.size) await this.links.refreshPersonStatus([...w.refresh], m);
    // A settled record's audit event, as the single feed writes it (rare).
    for (const s of w.settled) await this.audit.record(settledAudit(s, actor), m);
    timer?.lap('writeOther');

  }

  private ruleSetRef(): RuleSetRef {
    const { id, version, hash } = this.matching.ruleSet;
    return { id, version, hash };
  }
}

/**
 * A block member as the chunk sees it: its normalized record parsed on first use (most
 * members' levels come from the read, which parsed them already or had them cached). A class,
 * so that its ~10,000 instances a chunk share one accessor pair instead of two closures each.
 */
class MemberState implements RecordState {
  readonly id: string;
  readonly organizationId: string;
  localId: string | null = null;
  status: 'active' | 'retired' = 'active';
  contentHash = '';
  keys: string[] = [];
  personId: string | null;
  method: string | null;
  waiting: boolean;
  stored = true;
  private parsed: NormalizedRecord | undefined;

  constructor(
    private readonly row: BlockRecordRow,
    private readonly cache: MemberCache,
  ) {
    this.id = row.id;
    this.organizationId = row.organizationId;
    this.personId = row.personId;
    this.method = row.method;
    this.waiting = row.waiting;
  }

  get normalized(): NormalizedRecord {
    return (this.parsed ??= this.cache.normalizedOf(this.row));
  }

  set normalized(v: NormalizedRecord) {
    this.parsed = v;
  }
}

function uniqueTerms(terms: Term[]): Term[] {
  const m = new Map<string, Term>();
  for (const t of terms) m.set(termKey(t), t);
  return [...m.values()];
}
