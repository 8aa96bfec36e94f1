import { timeOrderedUuid } from '../common/time-ordered-uuid.js';
import type { EntityManager } from 'typeorm';
import type { CandidateRow } from '../matching/candidate.repository.js';
import { blockCandidates } from './chunk-blocks.js';
import { pendingToReevaluate, settlesPendingReview, type CandidateEvaluation, type Decision, type NormalizedRecord } from '../matching/engine/index.js';
import type { MatchingService } from '../matching/matching.service.js';
import { termKey, type TermFrequencyRepository } from '../matching/term-frequency.repository.js';
import { planWrites, type BlockRecordRow, type ChunkLinkageRepository, type EventWrite, type LinkFinal, type TaskWrite } from './chunk-linkage.repository.js';
import type { RuleSetRef } from './link.repository.js';
import { planLink } from './link-plan.js';
import { PENDING_REVIEW_SETTLED, settledNote, type SettledRecord } from './pending-review.service.js';

/** What of a record the chunk's view holds that settling reads and changes. */
export interface SettlingRecord {
  id: string;
  organizationId: string;
  status: 'active' | 'retired';
  readonly normalized: NormalizedRecord;
  keys: string[];
  personId: string | null;
  method: string | null;
  waiting: boolean;
  stored: boolean;
}

/** The chunk's view and pending writes (ChunkLinkageService.linkChunk), changed in place. */
export interface SettlingState {
  recs: Map<string, SettlingRecord>;
  blocks: Map<string, Set<string> | 'oversized'>;
  /** Records the chunk's rows created or rewrote (their keys are the rows' keys, not yet stored). */
  touched: ReadonlyMap<string, SettlingRecord>;
  finalLinks: Map<string, LinkFinal>;
  events: EventWrite[];
  tasks: TaskWrite[];
  refresh: Set<string>;
  termCounts: Map<string, number>;
  /** Stored records settled: their stored open review tasks are closed before the chunk's tasks are written (LinkRepository.settleOpenTasksOf). */
  settledStored: Map<string, { personId: string; note: string }>;
  /** Ids minted before the lock for the chunk's new rows, whose keys are stored already. */
  early: ReadonlyMap<string, string>;
  /** Every record settled, in order (each gets its audit event with the chunk's writes). */
  settled: SettledRecord[];
}

export interface SettlingTools {
  repo: ChunkLinkageRepository;
  matching: MatchingService;
  termFrequencies: TermFrequencyRepository;
  /** Active records of the person other than `exceptId`, with the chunk's overlay. */
  activeOthersIn: (personId: string, exceptId: string) => Promise<number>;
  /** Adds a block member read now to the chunk's view (as a MemberState). */
  addMember: (row: BlockRecordRow) => void;
  /** Makes `id` a member of the block of `key` in the chunk's view. */
  join: (id: string, key: string) => void;
  ruleSet: RuleSetRef;
}

/**
 * PendingReviewService for a batch chunk, in memory under the batch lock: after a row links,
 * the waiting records it matched at or above auto-link are decided again exactly as the
 * single feed decides them after that row's transaction (each through all of its own
 * blocks — those the chunk did not read are read now, with the chunk's earlier rows laid
 * over them — its name counts and no-match assertions, the index size after the row). A
 * link, its event, tasks and audit event are written with the chunk's writes; nothing else
 * changes.
 */
export class ChunkPendingReviews {
  /** Blocking keys of re-decided records skipped as over their cap (the chunk adds them to the metrics). */
  oversized = 0;
  private earlyIds: Set<string> | null = null;

  constructor(
    private readonly s: SettlingState,
    private readonly t: SettlingTools,
    private readonly m: EntityManager,
  ) {}

  /** After the row `triggerId` linked with `decision` (its scored candidates `scored`); `recordCount`: the index size now. */
  async settle(triggerId: string, decision: Decision, scored: readonly CandidateEvaluation[], recordCount: number): Promise<void> {
    const selected = pendingToReevaluate(decision, scored, this.t.matching.ruleSet, (c) => this.s.recs.get(c.recordId)?.waiting === true);
    for (const c of selected) await this.settleOne(c.recordId, triggerId, recordCount);
  }

  private async settleOne(id: string, triggerId: string, recordCount: number): Promise<void> {
    const { recs, blocks } = this.s;
    const st = recs.get(id);
    if (!st || st.status !== 'active' || st.method !== 'auto' || !st.waiting || st.personId === null) return;
    if ((await this.t.activeOthersIn(st.personId, st.id)) > 0) return;
    const prepared = this.t.matching.prepareNormalized(st.normalized);
    await this.readBlocks(prepared.keys, prepared.caps);
    // The record is in its own blocks, as a stored record is when the feed updates it.
    const found = blockCandidates(blocks, recs, { id, keys: prepared.keys, caps: prepared.caps, selfCounted: true });
    this.oversized += found.oversized;
    const candidates: CandidateRow[] = found.active.map((c) => ({
      recordId: c.id, organizationId: c.organizationId, get normalized() { return c.normalized; }, personId: c.personId!, linkMethod: c.method!, waiting: c.waiting,
    }));
    await this.readTermCounts(prepared.terms);
    const asserted = new Set<string>();
    for (const a of await this.t.repo.findAssertions([id], this.m)) asserted.add(recs.get(a.otherId)?.personId ?? a.otherPersonId);
    const { decision } = this.t.matching.scoreAndDecide({ organizationId: st.organizationId, prepared }, candidates, { recordCount, termCounts: this.s.termCounts, asserted });
    if (!settlesPendingReview(decision, st.personId)) return;
    const plan = planLink({ ...decision, reasons: [...decision.reasons, PENDING_REVIEW_SETTLED] }, { personId: st.personId }, '', this.t.ruleSet);
    const note = settledNote(triggerId, plan.personId);
    // Its own open tasks, and those of its new person's records that name it, are answered.
    for (const task of this.s.tasks) {
      if (task.dismissed) continue;
      if (task.recordId === id || (task.candidateRecordId === id && recs.get(task.recordId)?.personId === plan.personId)) Object.assign(task, { dismissed: true, settledNote: note });
    }
    if (st.stored) this.s.settledStored.set(id, { personId: plan.personId, note });
    const writes = planWrites(id, plan, timeOrderedUuid);
    this.s.tasks.push(...writes.tasks);
    this.s.finalLinks.set(id, writes.link);
    this.s.events.push(writes.event);
    this.s.refresh.add(st.personId).add(plan.personId);
    this.s.settled.push({ recordId: id, organizationId: st.organizationId, from: st.personId, to: plan.personId, trigger: triggerId });
    st.personId = plan.personId;
    st.waiting = false;
  }

  /**
   * The blocks of `keys` the chunk has not read, as the database holds them now (the chunk
   * holds the batch lock) with its earlier rows laid over: those rows' records are in the
   * blocks of their new keys only, and ids minted for rows not linked yet are no members.
   */
  private async readBlocks(keys: string[], caps: number[]): Promise<void> {
    const { blocks, touched, recs } = this.s;
    const missing: Array<{ key: string; cap: number }> = [];
    keys.forEach((key, i) => {
      if (!blocks.has(key)) missing.push({ key, cap: caps[i] });
    });
    if (!missing.length) return;
    this.earlyIds ??= new Set(this.s.early.values());
    const earlyIds = this.earlyIds;
    // A block this large is over its cap even without every id the overlay could drop.
    const extra = earlyIds.size + touched.size;
    const limits = missing.map((x) => x.cap + 1 + extra);
    const read = await this.t.repo.findBlocks(missing.map((x) => x.key), limits, this.m);
    const joins: Array<[string, string]> = [];
    const unknown: string[] = [];
    missing.forEach(({ key }, i) => {
      const ids = read.get(key) ?? [];
      if (ids.length >= limits[i]) {
        blocks.set(key, 'oversized');
        return;
      }
      blocks.set(key, new Set());
      for (const x of ids) {
        if (touched.has(x) || earlyIds.has(x)) continue;
        if (!recs.has(x)) unknown.push(x);
        joins.push([x, key]);
      }
      for (const r of touched.values()) if (r.status === 'active' && r.keys.includes(key)) this.t.join(r.id, key);
    });
    for (const row of await this.t.repo.findActiveRecords([...new Set(unknown)], this.m)) this.t.addMember(row);
    for (const [x, key] of joins) if (recs.get(x)?.status === 'active') this.t.join(x, key);
  }

  /** Name counts the chunk has not read (no row of it changed them, so the stored ones are current). */
  private async readTermCounts(terms: Array<{ field: string; value: string }>): Promise<void> {
    const missing = terms.filter((x) => !this.s.termCounts.has(termKey(x)));
    if (!missing.length) return;
    const read = new Map(await this.t.termFrequencies.counts(missing, this.m));
    for (const x of missing) this.s.termCounts.set(termKey(x), read.get(termKey(x)) ?? 0);
  }
}
