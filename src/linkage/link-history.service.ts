import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { LinkageError } from './linkage.errors.js';
import { HistoryRepository, type HistoryEventRow } from './history.repository.js';

export interface HistoryPage {
  events: HistoryEvent[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type HistoryEvent = Omit<HistoryEventRow, 'ruleSetId' | 'ruleSetVersion' | 'ruleSetHash'> & {
  ruleSet: { id: string; version: string; hash: string };
};

/**
 * Every link event of a person (records that joined or left it) or of a record, newest
 * first: who or what decided, why, with which score, contributions and rule-set version.
 * A read is audited like any disclosure of who belongs to whom.
 */
@Injectable()
export class LinkHistoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly history: HistoryRepository,
    private readonly audit: AuditService,
  ) {}

  async forPerson(personId: string, page: { limit: number; before?: string }, actor: Actor): Promise<HistoryPage & { personId: string }> {
    const m = this.dataSource.manager;
    if (!(await this.history.personExists(personId, m))) throw LinkageError.personNotFound();
    const rows = await this.history.forPerson(personId, page.limit + 1, page.before ?? null, m);
    await this.audit.record({ action: 'person.history', outcome: 'success', actor, targetType: 'person', targetIds: [personId], personIds: [personId], resultCount: Math.min(rows.length, page.limit) });
    return { personId, ...toPage(rows, page.limit) };
  }

  async forRecord(recordId: string, page: { limit: number; before?: string }, actor: Actor): Promise<HistoryPage & { recordId: string }> {
    const m = this.dataSource.manager;
    if (!(await this.history.recordExists(recordId, m))) throw LinkageError.recordNotFound();
    const rows = await this.history.forRecord(recordId, page.limit + 1, page.before ?? null, m);
    const personIds = [...new Set(rows.flatMap((r) => [r.personId, r.previousPersonId]).filter((p): p is string => !!p))];
    await this.audit.record({ action: 'record.history', outcome: 'success', actor, targetType: 'source-record', targetIds: [recordId], personIds, resultCount: Math.min(rows.length, page.limit) });
    return { recordId, ...toPage(rows, page.limit) };
  }
}

function toPage(rows: HistoryEventRow[], limit: number): HistoryPage {
  const events = rows.slice(0, limit).map(({ ruleSetId, ruleSetVersion, ruleSetHash, ...e }) => ({
    ...e,
    ruleSet: { id: ruleSetId, version: ruleSetVersion, hash: ruleSetHash },
  }));
  return { events, nextCursor: rows.length > limit ? events[events.length - 1].id : null };
}
