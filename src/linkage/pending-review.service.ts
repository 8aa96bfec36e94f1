import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { SourceRecordsRepository } from '../identities/source-records.repository.js';
import { pendingToReevaluate, settlesPendingReview } from '../matching/engine/index.js';
import { MatchingService, type Evaluation } from '../matching/matching.service.js';
import { LinkRepository, recordLockKey } from './link.repository.js';
import { linkEventOf, planLink } from './link-plan.js';
import { PersonStateService } from './person-state.service.js';

/** The decision reason of a waiting record's link when a later record's link settled it. */
export const PENDING_REVIEW_SETTLED = 'pending-review-settled';

/** A settled record, as its audit event tells it (ids only). */
export interface SettledRecord {
  recordId: string;
  organizationId: string;
  /** The person it waited in, and the one it joined. */
  from: string;
  to: string;
  /** The record whose link brought the evidence. */
  trigger: string;
}

/** The audit event of a settled record (the single feed's and a batch chunk's alike). */
export function settledAudit(s: SettledRecord, actor: Actor): AuditEventInput {
  return {
    action: 'record.relink',
    outcome: 'success',
    actor,
    targetType: 'source-record',
    targetIds: [s.recordId],
    personIds: [s.from, s.to],
    details: { organizationId: s.organizationId, reason: PENDING_REVIEW_SETTLED, trigger: s.trigger },
  };
}

/** The resolution note of the review tasks a settled record's link answers. */
export const settledNote = (triggerId: string, personId: string) => `linked by a later decision when record ${triggerId} joined person ${personId}`;

/**
 * Settles records waiting for review with the evidence a new link brings (the rule set's
 * `decision.reevaluatePendingReviews`, engine/reevaluate.ts), in the feed's transaction, after
 * the incoming record's link, keys and name counts are written: each waiting record the
 * incoming one matched at or above auto-link, alone in a person of its own, is decided again
 * as an update of it would be (its own blocks, the index as it is now). Only a link is
 * written — a relink event with the decision's scores, its own open review tasks closed as
 * settled (and those of its new person's records that name it), any new review tasks the decision asks for, the persons' statuses and an audit
 * event; any other outcome changes nothing. A batch chunk does the same in memory
 * (ChunkLinkageService), so both paths end in the same persons.
 */
@Injectable()
export class PendingReviewService {
  private readonly logger = new Logger('PendingReviewService');

  constructor(
    private readonly records: SourceRecordsRepository,
    private readonly links: LinkRepository,
    private readonly matching: MatchingService,
    private readonly persons: PersonStateService,
    private readonly audit: AuditService,
  ) {}

  /**
   * `trigger`: the record just linked and its evaluation; `recordCount`: the index size now
   * (with the trigger, if it became active in this transaction). Returns how many records
   * were settled.
   */
  async settle(trigger: { recordId: string; evaluation: Evaluation }, recordCount: number, actor: Actor, m: EntityManager): Promise<number> {
    const { evaluation } = trigger;
    const selected = pendingToReevaluate(evaluation.decision, evaluation.candidates, this.matching.ruleSet, (c) => evaluation.waiting.has(c.recordId));
    let settled = 0;
    for (const c of selected) {
      if (await this.settleOne(c.recordId, trigger.recordId, recordCount, actor, m)) settled++;
    }
    if (selected.length) this.logger.debug({ trigger: trigger.recordId, reevaluated: selected.length, settled }, 'pending reviews re-evaluated');
    return settled;
  }

  private async settleOne(recordId: string, triggerId: string, recordCount: number, actor: Actor, m: EntityManager): Promise<boolean> {
    const [record] = await this.records.findActiveByIds([recordId], m);
    if (!record) return false;
    const prepared = this.matching.prepareNormalized(record.normalized);
    // The waiting record's own keys and identity, as an update of it would lock them (a
    // second lock batch: a deadlock aborts one transaction, which is run again).
    const stored = await this.records.blockingKeysOf(recordId, m);
    await this.links.lockKeys([recordLockKey(record.organizationId, record.localId), ...new Set([...stored, ...prepared.keys])], m);
    // Read again under the locks: unchanged (an update meanwhile decided it again itself), still
    // waiting, automatic, alone in its person.
    const [now] = await this.records.findActiveByIds([recordId], m);
    if (!now || now.contentHash !== record.contentHash) return false;
    const link = await this.links.findLink(recordId, m);
    if (!link || link.method !== 'auto' || link.reason !== 'review-pending') return false;
    if ((await this.links.activeRecordsOf(link.personId, m)).length !== 1) return false;
    const evaluation = await this.matching.evaluate({ recordId, organizationId: record.organizationId, prepared, isNew: false }, m, recordCount);
    const { decision } = evaluation;
    if (!settlesPendingReview(decision, link.personId)) return false;
    const settledDecision = { ...decision, reasons: [...decision.reasons, PENDING_REVIEW_SETTLED] };
    const { id, version, hash } = this.matching.ruleSet;
    const ruleSet = { id, version, hash };
    const plan = planLink(settledDecision, { personId: link.personId }, '', ruleSet);
    // The tasks its first decision opened, and those of its new person's records that name it, are answered.
    await this.links.settleOpenTasksOf(recordId, plan.personId, settledNote(triggerId, plan.personId), actor.clientId, m);
    await this.links.insertReviewTasks(plan.reviewTasks.map((t) => ({ ...t, recordId })), m);
    await this.links.writeLink(
      { recordId, personId: plan.personId, ...plan.link, ruleSet, actorClientId: actor.clientId },
      linkEventOf(plan, actor.requestId),
      m,
    );
    await this.persons.refresh([link.personId, plan.personId], m);
    await this.audit.record(settledAudit({ recordId, organizationId: record.organizationId, from: link.personId, to: plan.personId, trigger: triggerId }, actor), m);
    return true;
  }
}
