import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from '../auth/auth.decorators.js';
import type { AuditOutcome } from './entities/audit-event.entity.js';
import { auditFixedFields } from './audit-statement.js';
import { AuditRepository, type AuditQuery } from './audit.repository.js';

/** What happened, without PHI: ids, counts and codes only. */
export interface AuditEventInput {
  action: string;
  outcome: AuditOutcome;
  actor?: Partial<Pick<Actor, 'clientId' | 'organizationId' | 'requestId'>> | null;
  purpose?: string | null;
  targetType?: string | null;
  targetIds?: string[];
  personIds?: string[];
  resultCount?: number | null;
  details?: Record<string, unknown>;
}

/**
 * The append-only audit trail every module writes to. Pass the transaction's EntityManager
 * so the audit row commits (or rolls back) with the change it describes.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AuditRepository,
  ) {}

  async record(input: AuditEventInput, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await this.repository.insert(
      { ...auditFixedFields(input), outcome: input.outcome, personIds: input.personIds ?? [], resultCount: input.resultCount ?? null },
      manager,
    );
  }

  list(query: AuditQuery) {
    return this.repository.findPage(query);
  }
}
