import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/auth.decorators.js';
import type { Decision, Demographics, NormalizedRecord } from '../matching/engine/index.js';
import type { CandidateRow } from '../matching/candidate.repository.js';
import { MatchingService, type PreparedRecord } from '../matching/matching.service.js';
import { TermFrequencyRepository, termKey, type Term } from '../matching/term-frequency.repository.js';
import {
  ChunkLinkageRepository,
  type EventWrite,
  type LinkFinal,
  type RecordWrite,
  type TaskWrite,
} from './chunk-linkage.repository.js';
import { LinkRepository, type RuleSetRef } from './link.repository.js';
import { linkedPersonOf, planLink } from './link-plan.js';

/** One valid row of a chunk, ready to link (validated, normalized, blocked, hashed). */
export interface ChunkRecordInput {
  row: number;
  localId: string;
  demographics: Demographics;
  prepared: PreparedRecord;
  contentHash: string;
}

export interface ChunkRowOutcome {
  row: number;
  record: 'created' | 'updated' | 'unchanged';
  /** Null for a replay (the same body again: nothing was decided). */
  decision: Decision['outcome'] | null;
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
  /** Stored before this chunk (else created by it). */
  stored: boolean;
}

/**
 * Links a batch chunk exactly as feeding its rows one by one, in file order, would — but
 * set-based: the chunk's records, blocks, term counts, assertions and person members are
 * read in a few statements; rows are then matched in memory against the stored records plus
 * an overlay of the chunk's earlier rows (their records, keys, links, term counts and the
 * index size); everything is written back in one statement per table. The caller first takes
 * the batch lock (`lockForChunk`), so nothing else links meanwhile.
 */
@Injectable()
export class ChunkLinkageService {
  constructor(
    private readonly repo: ChunkLinkageRepository,
    private readonly links: LinkRepository,
    private readonly matching: MatchingService,
    private readonly termFrequencies: TermFrequencyRepository,
  ) {}

  /** Call first in the chunk's transaction: nothing else links until it ends. */
  async lockForChunk(m: EntityManager): Promise<void> {
    await this.links.lockForBatchChunk(m);
    await this.repo.withoutJit(m);
  }

  /** Links the rows in order; the caller holds the lock (`lockForChunk`) in this transaction. */
  async linkChunk(organizationId: string, rows: ChunkRecordInput[], actor: Actor, m: EntityManager): Promise<ChunkRowOutcome[]> {
    const ruleSet = this.ruleSetRef();
    const maxBlock = this.matching.ruleSet.blocking.maxBlockSize;
    const localIds = [...new Set(rows.map((r) => r.localId))];
    const stored = await this.repo.findRecords(organizationId, localIds, m);
    const recs = new Map<string, RecordState>();
    const byLocal = new Map<string, RecordState>();
    for (const s of stored) {
      const st: RecordState = { ...s, organizationId, stored: true };
      recs.set(s.id, st);
      byLocal.set(s.localId, st);
    }
    // Rows certain to be replays (stored, same body, once in the chunk) need no matching.
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.localId, (seen.get(r.localId) ?? 0) + 1);
    const replay = (r: ChunkRecordInput) => {
      const s = byLocal.get(r.localId);
      return s !== undefined && s.status === 'active' && s.contentHash === r.contentHash && seen.get(r.localId) === 1;
    };
    const toMatch = rows.filter((r) => !replay(r));

    // Blocks: a stored block larger than this is too common even after the chunk's own
    // records leave it, so it is not read in full.
    const limit = maxBlock + 2 + stored.length;
    const keys = [...new Set(toMatch.flatMap((r) => r.prepared.keys))];
    const storedBlocks = await this.repo.findBlocks(keys, limit, m);
    const blocks = new Map<string, Set<string> | 'oversized'>();
    for (const k of keys) {
      const ids = storedBlocks.get(k) ?? [];
      blocks.set(k, ids.length >= limit ? 'oversized' : new Set(ids));
    }
    const memberIds = new Set<string>();
    for (const b of blocks.values()) if (b !== 'oversized') for (const id of b) if (!recs.has(id)) memberIds.add(id);
    for (const c of await this.repo.findActiveRecords([...memberIds], m)) {
      recs.set(c.id, { id: c.id, organizationId: c.organizationId, localId: null, status: 'active', normalized: c.normalized, contentHash: '', keys: [], personId: c.personId, method: c.method, stored: true });
    }
    const terms = uniqueTerms(toMatch.flatMap((r) => [...r.prepared.terms, ...(byLocal.has(r.localId) ? this.matching.termsOf(byLocal.get(r.localId)!.normalized) : [])]));
    const termCounts = new Map(await this.termFrequencies.counts(terms, m));
    const assertions = await this.repo.findAssertions(stored.map((s) => s.id), m);
    const assertedOthers = new Map<string, Array<{ otherId: string; personId: string }>>();
    for (const a of assertions) assertedOthers.set(a.recordId, [...(assertedOthers.get(a.recordId) ?? []), { otherId: a.otherId, personId: a.otherPersonId }]);
    const storedMembers = await this.repo.findActiveMembers([...new Set(stored.map((s) => s.personId).filter((p): p is string => p !== null))], m);
    let recordCount = await this.matching.recordCountFor(m);

    // What the chunk writes, final state per record; events and tasks in row order.
    const touched = new Map<string, RecordState>();
    const demographicsOf = new Map<string, Demographics>();
    const lastDecision = new Map<string, object>();
    const finalLinks = new Map<string, LinkFinal>();
    const events: EventWrite[] = [];
    const tasks: TaskWrite[] = [];
    const newPersons = new Set<string>();
    const refresh = new Set<string>();
    const changedStored = new Set<string>();
    const tfDeltas: Array<Term & { delta: number }> = [];
    const outcomes: ChunkRowOutcome[] = [];
    let oversized = 0;

    const activeOthersIn = async (personId: string, exceptId: string): Promise<number> => {
      if (!storedMembers.has(personId)) {
        for (const [p, ids] of await this.repo.findActiveMembers([personId], m)) storedMembers.set(p, ids);
      }
      let n = 0;
      for (const id of storedMembers.get(personId)!) if (id !== exceptId && !touched.has(id)) n++;
      for (const t of touched.values()) if (t.id !== exceptId && t.personId === personId && t.status === 'active') n++;
      return n;
    };

    for (const r of rows) {
      let rec = byLocal.get(r.localId);
      if (rec && rec.status === 'active' && rec.contentHash === r.contentHash) {
        outcomes.push({ row: r.row, record: 'unchanged', decision: null });
        continue;
      }
      const wasActive = rec?.status === 'active';
      const existed = rec !== undefined;
      const rowDeltas = [
        ...r.prepared.terms.map((t) => ({ ...t, delta: 1 })),
        ...(rec && wasActive ? this.matching.termsOf(rec.normalized).map((t) => ({ ...t, delta: -1 })) : []),
      ];
      if (rec) {
        for (const k of rec.keys) {
          const b = blocks.get(k);
          if (b && b !== 'oversized') b.delete(rec.id);
        }
        if (!wasActive) recordCount++;
        if (rec.stored) changedStored.add(rec.id);
        // Superseded: open tasks of this record, or pointing at it, from earlier rows.
        for (const t of tasks) if (!t.dismissed && (t.recordId === rec.id || t.candidateRecordId === rec.id)) t.dismissed = true;
        Object.assign(rec, { normalized: r.prepared.normalized, contentHash: r.contentHash, keys: r.prepared.keys, status: 'active' });
      } else {
        rec = { id: randomUUID(), organizationId, localId: r.localId, status: 'active', normalized: r.prepared.normalized, contentHash: r.contentHash, keys: r.prepared.keys, personId: null, method: null, stored: false };
        recs.set(rec.id, rec);
        byLocal.set(r.localId, rec);
        recordCount++;
      }
      touched.set(rec.id, rec);
      demographicsOf.set(rec.id, r.demographics);
      for (const k of rec.keys) {
        const b = blocks.get(k);
        if (b && b !== 'oversized') b.add(rec.id);
      }
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
        outcomes.push({ row: r.row, record: existed ? 'updated' : 'created', decision: 'linked' });
      } else {
        const candidates: CandidateRow[] = [];
        const ids = new Set<string>();
        for (const k of rec.keys) {
          const b = blocks.get(k);
          if (!b || b === 'oversized' || b.size > maxBlock) {
            oversized++;
            continue;
          }
          for (const id of b) if (id !== rec.id) ids.add(id);
        }
        for (const id of ids) {
          const c = recs.get(id)!;
          candidates.push({ recordId: c.id, organizationId: c.organizationId, normalized: c.normalized, personId: c.personId!, linkMethod: c.method! });
        }
        const asserted = new Set<string>();
        if (rec.stored && candidates.length) {
          for (const a of assertedOthers.get(rec.id) ?? []) asserted.add(recs.get(a.otherId)?.personId ?? a.personId);
        }
        const { decision } = this.matching.scoreAndDecide({ organizationId, prepared: r.prepared }, candidates, { recordCount, termCounts, asserted });
        const current = rec.personId ? { personId: rec.personId } : null;
        const own = linkedPersonOf(decision) || !current || (await activeOthersIn(current.personId, rec.id)) > 0 ? randomUUID() : current.personId;
        const plan = planLink(decision, current, own, ruleSet);
        const reviewTaskIds: string[] = [];
        for (const t of plan.reviewTasks) {
          const id = randomUUID();
          reviewTaskIds.push(id);
          tasks.push({ id, recordId: rec.id, candidatePersonId: t.candidatePersonId, candidateRecordId: t.candidateRecordId, score: t.score, probability: t.probability, grade: t.grade, priorWeight: t.priorWeight, contributions: t.contributions, reason: t.reason, dismissed: false });
        }
        if (plan.createPerson) newPersons.add(plan.personId);
        if (current && (current.personId !== plan.personId || !wasActive)) refresh.add(current.personId).add(plan.personId);
        finalLinks.set(rec.id, { recordId: rec.id, personId: plan.personId, ...plan.link });
        events.push({ recordId: rec.id, personId: plan.personId, previousPersonId: plan.previousPersonId, event: plan.event, method: plan.link.method, grade: plan.link.grade, score: plan.link.score, probability: plan.link.probability, contributions: plan.contributions, priorWeight: plan.priorWeight, reason: plan.eventReason });
        lastDecision.set(rec.id, { ...base, ...plan.outcome, decision: { outcome: decision.outcome, reviewTaskIds, reasons: decision.reasons, sameSourceDuplicate: decision.sameSourceDuplicate } });
        rec.personId = plan.personId;
        rec.method = 'auto';
        outcomes.push({ row: r.row, record: existed ? 'updated' : 'created', decision: decision.outcome });
      }
      // Name counts change after the row, as the feed's last statement does.
      for (const t of rowDeltas) termCounts.set(termKey(t), Math.max((termCounts.get(termKey(t)) ?? 0) + t.delta, 0));
    }
    this.matching.countOversized(oversized);
    await this.write(organizationId, { touched, demographicsOf, lastDecision, finalLinks, events, tasks, newPersons, refresh, changedStored, tfDeltas }, ruleSet, actor, m);
    return outcomes;
  }

  private async write(
    organizationId: string,
    w: {
      touched: Map<string, RecordState>;
      demographicsOf: Map<string, Demographics>;
      lastDecision: Map<string, object>;
      finalLinks: Map<string, LinkFinal>;
      events: EventWrite[];
      tasks: TaskWrite[];
      newPersons: Set<string>;
      refresh: Set<string>;
      changedStored: Set<string>;
      tfDeltas: Array<Term & { delta: number }>;
    },
    ruleSet: RuleSetRef,
    actor: Actor,
    m: EntityManager,
  ): Promise<void> {
    const writes = (stored: boolean): RecordWrite[] =>
      [...w.touched.values()]
        .filter((r) => r.stored === stored)
        .map((r) => ({ id: r.id, localId: r.localId!, demographics: w.demographicsOf.get(r.id)!, normalized: r.normalized, contentHash: r.contentHash, lastDecision: w.lastDecision.get(r.id)! }));
    await this.repo.insertPersons([...w.newPersons], m);
    await this.repo.insertRecords(organizationId, writes(false), m);
    await this.repo.updateRecords(writes(true), m);
    await this.repo.replaceBlockingKeys([...w.changedStored], [...w.touched.values()].flatMap((r) => [...new Set(r.keys)].map((key) => ({ recordId: r.id, key }))), m);
    await this.repo.dismissOpenTasksOf([...w.changedStored], actor.clientId, m);
    await this.repo.upsertLinks([...w.finalLinks.values()], ruleSet, actor.clientId, m);
    await this.repo.appendEvents(w.events, ruleSet, actor.clientId, actor.requestId || null, m);
    await this.repo.insertReviewTasks(w.tasks, ruleSet, actor.clientId, m);
    if (w.refresh.size) await this.links.refreshPersonStatus([...w.refresh], m);
    // Last statement before COMMIT, so the name-count rows stay locked for a moment only.
    await this.termFrequencies.applyDeltas(w.tfDeltas, m);

  }

  private ruleSetRef(): RuleSetRef {
    const { id, version, hash } = this.matching.ruleSet;
    return { id, version, hash };
  }
}

function uniqueTerms(terms: Term[]): Term[] {
  const m = new Map<string, Term>();
  for (const t of terms) m.set(termKey(t), t);
  return [...m.values()];
}
