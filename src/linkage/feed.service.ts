import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { auditFixedFields } from '../audit/audit-statement.js';
import { runInTransaction, runInTransactionOpenedBy } from '../database/transaction.js';
import type { Actor } from '../auth/auth.decorators.js';
import { SourceRecordsRepository } from '../identities/source-records.repository.js';
import { canonicalJson, type Decision, type Demographics } from '../matching/engine/index.js';
import { MatchingService, type Evaluation, type PreparedRecord } from '../matching/matching.service.js';
import { netTermDeltas, TermFrequencyRepository } from '../matching/term-frequency.repository.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { FeedRepository, type FeedLookUp, type StoredRecord } from './feed.repository.js';
import { LinkageError } from './linkage.errors.js';
import { LinkRepository, recordLockKey, type LinkRow, type RuleSetRef } from './link.repository.js';
import { linkedPersonOf, linkEventOf, planLink } from './link-plan.js';
import { PendingReviewService } from './pending-review.service.js';
import { PersonStateService } from './person-state.service.js';

export interface FeedResult {
  recordId: string;
  organizationId: string;
  localId: string;
  personId: string;
  link: { method: string; grade: string | null; score: number | null; probability: number | null };
  decision: { outcome: Decision['outcome']; reviewTaskIds: string[]; reasons: string[]; sameSourceDuplicate: boolean };
}

/**
 * The feed use cases: create/update (idempotent) and retire a source record, each in one
 * transaction that upserts the record and its blocking keys, matches, links, records the
 * history, review tasks and audit, and keeps the status of the persons it touched.
 */
@Injectable()
export class FeedService {
  private readonly logger = new Logger('FeedService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: SourceRecordsRepository,
    private readonly feedRecords: FeedRepository,
    private readonly links: LinkRepository,
    private readonly matching: MatchingService,
    private readonly termFrequencies: TermFrequencyRepository,
    private readonly organizations: OrganizationsService,
    private readonly persons: PersonStateService,
    private readonly audit: AuditService,
    private readonly pendingReviews: PendingReviewService,
  ) {}

  async upsert(organizationId: string, localId: string, demographics: Demographics, actor: Actor): Promise<FeedResult & { created: boolean }> {
    await this.organizations.assertExists(organizationId);
    const prepared = this.matching.prepare(demographics);
    const contentHash = contentHashOf(demographics);
    // The locks on the record's identity and every blocking key travel with START TRANSACTION.
    const locks = this.links.lockKeysStatement([recordLockKey(organizationId, localId), ...prepared.keys]);
    /** 1 when this feed makes an active record (a new one, or a retired one back). */
    let activated = 0;
    const result = await runInTransactionOpenedBy(this.dataSource, locks, async (m) => {
      activated = 0;
      const recordCount = await this.matching.recordCountFor(m);
      const look = await this.feedRecords.lookUp(
        {
          organizationId,
          localId,
          keys: prepared.keys,
          terms: this.matching.usesTermFrequencies(recordCount) ? prepared.terms : [],
          caps: prepared.caps,
        },
        m,
      );
      const existing = look.stored;
      if (!existing) {
        const created = await this.createRecord({ organizationId, localId, demographics, prepared, contentHash, recordCount, look }, actor, m);
        activated = 1;
        return { ...created, created: true };
      }
      if (existing.status === 'active' && existing.contentHash === contentHash) {
        const replayed = this.replay(existing);
        await this.audit.record(
          { action: 'record.update', outcome: 'success', actor, targetType: 'source-record', targetIds: [existing.id], personIds: [replayed.personId], details: { organizationId, unchanged: true } },
          m,
        );
        return { ...replayed, created: false };
      }
      // Records matched through the old keys must wait too, or one of them could link to
      // this record's person while this update moves the record out of it. A second lock
      // batch can deadlock with another feed; PostgreSQL then aborts one and it is re-run.
      const newKeys = new Set(prepared.keys);
      await this.links.lockKeys(existing.keys.filter((k) => !newKeys.has(k)), m);
      const recordId = existing.id;
      if (existing.status === 'retired') activated = 1;
      await this.records.update(recordId, { demographics, normalized: prepared.normalized, contentHash }, m);
      await this.records.replaceBlockingKeys(recordId, prepared.keys, m);
      await this.links.dismissOpenTasksOf(recordId, actor.clientId, m);
      const tfDeltas = [
        ...prepared.terms.map((t) => ({ ...t, delta: 1 })),
        ...(existing.status === 'active' ? this.matching.termsOf(existing.normalized).map((t) => ({ ...t, delta: -1 })) : []),
      ];
      const currentLink = existing.link;
      const manual = currentLink?.method === 'manual' && existing.status === 'active';
      // matchAndLink stores the answer (for idempotent replays) with the link, in one statement.
      const matched = manual
        ? null
        : await this.matchAndLink({ recordId, organizationId, localId, prepared, currentLink, isActive: existing.status === 'active' }, actor, m);
      const outcome = matched ? matched.outcome : this.keepManualLink(currentLink!);
      const result: FeedResult = { recordId, organizationId, localId, ...outcome };
      if (manual) await this.records.saveDecision(recordId, result, m);
      await this.audit.record(
        {
          action: 'record.update',
          outcome: 'success',
          actor,
          targetType: 'source-record',
          targetIds: [recordId],
          personIds: [...new Set([outcome.personId, ...(currentLink ? [currentLink.personId] : [])])],
          details: { organizationId, decision: outcome.decision.outcome, reviewTasks: outcome.decision.reviewTaskIds.length },
        },
        m,
      );
      // Last write of the record's own, so the name-count rows stay locked for a moment only.
      await this.termFrequencies.applyDeltas(tfDeltas, m);
      // Records waiting for review that this link may settle, with the name counts and the index as they are now.
      if (matched) await this.pendingReviews.settle({ recordId, evaluation: matched.evaluation }, recordCount + activated, actor, m);
      return { ...result, created: false };
    });
    if (activated) this.matching.recordsActivated(activated);
    return result;
  }

  /**
   * A record not stored before: its candidates came with the look-up, so scoring needs no
   * round trip, and the record, its keys, person, link, event, review tasks, audit event and
   * name counts are written by one statement. (Not in the database while its candidates were
   * read, so it is not among them; the locks keep every other linker of its keys out.)
   */
  private async createRecord(
    input: { organizationId: string; localId: string; demographics: Demographics; prepared: PreparedRecord; contentHash: string; recordCount: number; look: FeedLookUp },
    actor: Actor,
    m: EntityManager,
  ): Promise<FeedResult> {
    const { organizationId, localId, prepared } = input;
    const recordId = randomUUID();
    const evaluation = this.matching.decideFetched({ organizationId, prepared }, input.look, input.recordCount);
    const { decision } = evaluation;
    const ruleSet = this.ruleSetRef();
    const plan = planLink(decision, null, linkedPersonOf(decision) ? '' : randomUUID(), ruleSet);
    const reviewTasks = plan.reviewTasks.map((t) => ({ ...t, id: randomUUID(), recordId }));
    const result: FeedResult = {
      recordId,
      organizationId,
      localId,
      ...plan.outcome,
      decision: { outcome: decision.outcome, reviewTaskIds: reviewTasks.map((t) => t.id), reasons: decision.reasons, sameSourceDuplicate: decision.sameSourceDuplicate },
    };
    await this.feedRecords.insertLinkedRecord(
      {
        record: { id: recordId, organizationId, localId, demographics: input.demographics, normalized: prepared.normalized, contentHash: input.contentHash, lastDecision: { ...result } },
        keys: prepared.keys,
        createPerson: plan.createPerson,
        link: { personId: plan.personId, ...plan.link, ruleSet, actorClientId: actor.clientId },
        event: {
          event: plan.event,
          previousPersonId: plan.previousPersonId,
          contributions: plan.contributions,
          priorWeight: plan.priorWeight,
          eventReason: plan.eventReason,
          requestId: actor.requestId,
        },
        reviewTasks,
        termIncrements: netTermDeltas(prepared.terms.map((t) => ({ ...t, delta: 1 }))).up,
        audit: {
          ...auditFixedFields({
            action: 'record.create',
            actor,
            targetType: 'source-record',
            targetIds: [recordId],
            details: { organizationId, decision: decision.outcome, reviewTasks: reviewTasks.length },
          }),
          personIds: [plan.personId],
        },
      },
      m,
    );
    this.logOversized(evaluation);
    // Records waiting for review that this link may settle (the new record counts in the index now).
    await this.pendingReviews.settle({ recordId, evaluation }, input.recordCount + 1, actor, m);
    return result;
  }

  async get(organizationId: string, localId: string) {
    const m = this.dataSource.manager;
    const record = await this.records.findByLocalId(organizationId, localId, m);
    if (!record || record.status !== 'active') throw LinkageError.recordNotFound();
    const link = (await this.links.findLink(record.id, m))!;
    return {
      recordId: record.id,
      organizationId,
      localId,
      status: record.status,
      personId: link.personId,
      link: linkView(link),
      demographics: record.demographics,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  /** Retires the record: kept for history and unmerge, gone from every answer. Idempotent. */
  async retire(organizationId: string, localId: string, actor: Actor): Promise<void> {
    let retired = false;
    await runInTransaction(this.dataSource, async (m) => {
      retired = false;
      await this.links.lockKeys([recordLockKey(organizationId, localId)], m);
      const record = await this.records.findByLocalId(organizationId, localId, m, true);
      if (!record) throw LinkageError.recordNotFound();
      if (record.status === 'retired') return;
      // A feed linking to this record's person through its keys must finish first, or the
      // person could be retired under a record that was just linked to it.
      await this.links.lockKeys(await this.records.blockingKeysOf(record.id, m), m);
      const link = (await this.links.findLink(record.id, m))!;
      await this.records.retire(record.id, m);
      await this.links.dismissOpenTasksOf(record.id, actor.clientId, m);
      await this.links.appendEvent(
        { recordId: record.id, personId: link.personId, previousPersonId: null, event: 'retire', method: link.method, grade: link.grade, score: link.score, probability: link.probability, contributions: null, priorWeight: null, reason: 'record-retired', ruleSet: this.ruleSetRef(), actorClientId: actor.clientId, requestId: actor.requestId },
        m,
      );
      await this.persons.refresh([link.personId], m);
      await this.audit.record({ action: 'record.retire', outcome: 'success', actor, targetType: 'source-record', targetIds: [record.id], personIds: [link.personId], details: { organizationId } }, m);
      await this.termFrequencies.applyDeltas(this.matching.termsOf(record.normalized).map((t) => ({ ...t, delta: -1 })), m);
      retired = true;
    });
    if (retired) this.matching.recordsActivated(-1);
  }

  /** The same body again: nothing changes; answer as the first time, with the current link. */
  private replay(existing: StoredRecord): FeedResult {
    const link = existing.link!;
    const stored = existing.lastDecision as unknown as FeedResult;
    return { ...stored, recordId: existing.id, organizationId: existing.organizationId, localId: existing.localId, personId: link.personId, link: linkView(link) };
  }

  /** A steward's link is sticky: new demographics never move the record automatically. */
  private keepManualLink(link: LinkRow): Pick<FeedResult, 'personId' | 'link' | 'decision'> {
    return {
      personId: link.personId,
      link: linkView(link),
      decision: { outcome: 'linked', reviewTaskIds: [], reasons: ['manual-link-kept'], sameSourceDuplicate: false },
    };
  }

  private async matchAndLink(
    input: {
      recordId: string;
      organizationId: string;
      localId: string;
      prepared: PreparedRecord;
      currentLink: LinkRow | null;
      /** The record was active before this feed (false: new, or coming back from retirement). */
      isActive: boolean;
    },
    actor: Actor,
    m: EntityManager,
  ): Promise<{ outcome: Pick<FeedResult, 'personId' | 'link' | 'decision'>; evaluation: Evaluation }> {
    const evaluation = await this.matching.evaluate(
      { recordId: input.recordId, organizationId: input.organizationId, prepared: input.prepared, isNew: false },
      m,
    );
    const { decision } = evaluation;
    const current = input.currentLink;
    const ruleSet = this.ruleSetRef();
    const ownPersonId = linkedPersonOf(decision) ? '' : await this.ownPersonFor(input.recordId, current, m);
    const plan = planLink(decision, current, ownPersonId, ruleSet);
    const { personId, link } = plan;
    const reviewTaskIds = await this.links.insertReviewTasks(plan.reviewTasks.map((t) => ({ ...t, recordId: input.recordId })), m);
    const outcome: Pick<FeedResult, 'personId' | 'link' | 'decision'> = {
      ...plan.outcome,
      decision: { outcome: decision.outcome, reviewTaskIds, reasons: decision.reasons, sameSourceDuplicate: decision.sameSourceDuplicate },
    };
    await this.links.writeLink(
      { recordId: input.recordId, personId, ...link, ruleSet, actorClientId: actor.clientId },
      linkEventOf(plan, actor.requestId),
      m,
      { lastDecision: { recordId: input.recordId, organizationId: input.organizationId, localId: input.localId, ...outcome }, createPerson: plan.createPerson },
    );
    // A person this record left can have become empty; a record coming back from retirement
    // can revive its own (retired) person. A person it joined by matching is active already.
    if (current && (current.personId !== personId || !input.isActive)) await this.persons.refresh([current.personId, personId], m);
    this.logOversized(evaluation);
    return { outcome, evaluation };
  }

  /**
   * The person a record keeps when it links to nobody: its current person if it is alone
   * there (no churn of enterprise ids on every update), else the id of a new person, which
   * the link statement creates.
   */
  private async ownPersonFor(recordId: string, current: LinkRow | null, m: EntityManager): Promise<string> {
    if (current) {
      const others = (await this.links.activeRecordsOf(current.personId, m)).filter((r) => r.recordId !== recordId);
      if (others.length === 0) return current.personId;
    }
    return randomUUID();
  }

  private logOversized(evaluation: Evaluation): void {
    if (evaluation.oversizedRules.length) {
      this.logger.warn({ rules: evaluation.oversizedRules }, 'blocking keys over the block size cap were skipped');
    }
  }

  private ruleSetRef(): RuleSetRef {
    const { id, version, hash } = this.matching.ruleSet;
    return { id, version, hash };
  }
}

export function linkView(link: Pick<LinkRow, 'method' | 'grade' | 'score' | 'probability'>) {
  return { method: link.method, grade: link.grade, score: link.score, probability: link.probability };
}

/** The key of "the same body again": a replay changes nothing. */
export function contentHashOf(demographics: Demographics): string {
  return createHash('sha256').update(canonicalJson(demographics)).digest('hex');
}
