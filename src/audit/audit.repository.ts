import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEventEntity } from './entities/audit-event.entity.js';

export interface AuditQuery {
  personId?: string;
  clientId?: string;
  organizationId?: string;
  action?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
  /** Return events with id below this one (the previous page's `nextCursor`). */
  beforeId?: string;
  limit: number;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One plain INSERT (on the hot path of every feed and query). */
  async insert(e: Omit<AuditEventEntity, 'id' | 'occurredAt'>, m: EntityManager): Promise<void> {
    await m.query(
      `INSERT INTO audit_event (request_id, actor_client_id, actor_organization_id, action, outcome, purpose,
         target_type, target_ids, person_ids, result_count, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [e.requestId, e.actorClientId, e.actorOrganizationId, e.action, e.outcome, e.purpose, e.targetType, e.targetIds, e.personIds, e.resultCount, e.details],
    );
  }

  /** Newest first, keyset-paged on the identity id. */
  async findPage(q: AuditQuery): Promise<{ items: AuditEventEntity[]; nextCursor: string | null }> {
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (q.personId) qb.andWhere('e.person_ids @> ARRAY[:personId]::text[]', { personId: q.personId }); // containment: the GIN index serves it (= ANY() scans the table)
    if (q.clientId) qb.andWhere('e.actor_client_id = :clientId', { clientId: q.clientId });
    if (q.organizationId) qb.andWhere('e.actor_organization_id = :organizationId', { organizationId: q.organizationId });
    if (q.action) qb.andWhere('e.action = :action', { action: q.action });
    if (q.outcome) qb.andWhere('e.outcome = :outcome', { outcome: q.outcome });
    if (q.since) qb.andWhere('e.occurred_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('e.occurred_at < :until', { until: q.until });
    if (q.beforeId) qb.andWhere('e.id < :beforeId', { beforeId: q.beforeId });
    const rows = await qb.orderBy('e.id', 'DESC').limit(q.limit + 1).getMany();
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }
}
