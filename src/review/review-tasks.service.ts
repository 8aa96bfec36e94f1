import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { runInTransaction } from '../database/transaction.js';
import { StewardLinksService } from '../linkage/steward-links.service.js';
import { ReviewError } from './review.errors.js';
import {
  type QueuePosition,
  type ReviewDecision,
  type ReviewTaskFilter,
  type ReviewTaskRow,
  ReviewTasksRepository,
} from './review-tasks.repository.js';

export type ReviewTaskView = ReturnType<typeof toView>;

export interface ResolveResult {
  task: ReviewTaskView;
  recordId: string;
  /** The record's person after the decision. */
  personId: string;
  previousPersonId: string | null;
}

/**
 * The review queue: uncertain pairs the engine left to a steward, shown with both records'
 * demographics and the per-field explanation, and resolved as "same person" (a sticky manual
 * link) or "different people" (a no-match assertion automatic matching always honours).
 * Reads are audited as disclosures: they show demographics.
 */
@Injectable()
export class ReviewTasksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tasks: ReviewTasksRepository,
    private readonly links: StewardLinksService,
    private readonly audit: AuditService,
  ) {}

  async list(filter: ReviewTaskFilter, page: { limit: number; cursor?: string }, actor: Actor) {
    const m = this.dataSource.manager;
    const after = page.cursor ? decodeCursor(page.cursor) : null;
    const [rows, total] = await Promise.all([this.tasks.list(filter, page.limit + 1, after, m), this.tasks.count(filter, m)]);
    const items = rows.slice(0, page.limit);
    await this.audit.record({
      action: 'review-task.list',
      outcome: 'success',
      actor,
      targetType: 'review-task',
      targetIds: items.map((t) => t.id),
      personIds: personsOf(items),
      resultCount: items.length,
      details: { status: filter.status, ...(filter.organizationId ? { organizationId: filter.organizationId } : {}), ...(filter.grade ? { grade: filter.grade } : {}) },
    });
    return {
      items: items.map(toView),
      nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1].position) : null,
      total,
    };
  }

  async get(id: string, actor: Actor): Promise<ReviewTaskView> {
    const task = await this.tasks.find(id, this.dataSource.manager);
    if (!task) throw ReviewError.taskNotFound();
    await this.audit.record({ action: 'review-task.read', outcome: 'success', actor, targetType: 'review-task', targetIds: [id], personIds: personsOf([task]), resultCount: 1 });
    return toView(task);
  }

  /**
   * Resolves an open task in one transaction. The links are locked first (like a feed), then
   * the task row, so a concurrent second decision on the same task waits and then gets 409.
   */
  async resolve(id: string, decision: ReviewDecision, note: string | null, actor: Actor): Promise<ResolveResult> {
    return runInTransaction(this.dataSource, async (m) => {
      const task = await this.tasks.find(id, m);
      if (!task) throw ReviewError.taskNotFound();
      if (task.status !== 'open') throw ReviewError.taskNotOpen(task.status);
      const ctx = { actor, note, reviewTaskId: id };
      let personId = task.record.personId;
      let previousPersonId: string | null = null;
      if (decision === 'same-person') {
        const change = await this.links.linkToPersonOf(task.candidate.recordId, task.record.recordId, ctx, m);
        personId = change.personId;
        previousPersonId = change.previousPersonId;
      } else {
        await this.links.assertDifferent(task.record.recordId, task.candidate.recordId, ctx, m);
      }
      const status = await this.tasks.lockStatus(id, m);
      if (status !== 'open') throw ReviewError.taskNotOpen(status ?? 'gone');
      await this.tasks.markResolved(id, decision, note, actor.clientId, m);
      await this.audit.record(
        {
          action: 'review-task.resolve',
          outcome: 'success',
          actor,
          targetType: 'review-task',
          targetIds: [id],
          personIds: [...new Set([task.record.personId, task.candidate.personId, personId])],
          details: { decision },
        },
        m,
      );
      const after = (await this.tasks.find(id, m))!;
      return { task: toView(after), recordId: task.record.recordId, personId, previousPersonId };
    });
  }
}

function toView(t: ReviewTaskRow) {
  return {
    id: t.id,
    status: t.status,
    reason: t.reason,
    createdAt: t.createdAt,
    score: t.score,
    probability: t.probability,
    grade: t.grade,
    priorWeight: t.priorWeight,
    ruleSet: { id: t.ruleSetId, version: t.ruleSetVersion, hash: t.ruleSetHash },
    record: t.record,
    candidate: t.candidate,
    contributions: t.contributions,
    resolution: t.resolvedAt
      ? { decision: t.resolution, note: t.resolutionNote, resolvedBy: t.resolvedBy, resolvedAt: t.resolvedAt }
      : null,
  };
}

function personsOf(tasks: ReviewTaskRow[]): string[] {
  return [...new Set(tasks.flatMap((t) => [t.record.personId, t.candidate.personId]))];
}

function encodeCursor(p: QueuePosition): string {
  return Buffer.from(JSON.stringify([p.band, p.at, p.id])).toString('base64url');
}

function decodeCursor(cursor: string): QueuePosition {
  try {
    const [band, at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (typeof band !== 'number' || !Number.isInteger(band) || typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw new Error('bad');
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad');
    return { band, at, id };
  } catch {
    throw ReviewError.invalidCursor();
  }
}
