import type { AuditEventInput } from './audit.service.js';
import type { AuditEventEntity } from './entities/audit-event.entity.js';

/*
 * An audit event written by the statement that makes the disclosure it records: for reads on
 * the hot path (the record locator), one round trip and one commit per request, and the
 * read cannot succeed without its audit row.
 */

/** An audit row's fields that are known before a query runs. */
export type AuditFixedFields = Pick<AuditEventEntity, 'requestId' | 'actorClientId' | 'actorOrganizationId' | 'action' | 'purpose' | 'targetType' | 'targetIds' | 'details'>;

/** SQL expressions, over the query's own rows, for the fields only the query itself knows. */
export interface AuditComputedFields {
  outcome: string;
  personIds: string;
  resultCount: string;
  /** A jsonb expression merged over the fixed details. */
  details: string;
}

/**
 * The INSERT of one audit event, as the body of a data-modifying CTE, for a read that writes
 * its audit event in its own statement (one round trip and one commit per disclosure, and
 * the event cannot be lost between the read and its record). The fixed fields are
 * parameters from `$first` on (`auditParams` gives them in order); the rest are computed
 * from `from`, a one-row relation of the query.
 */
export function auditInsertSql(first: number, computed: AuditComputedFields, from: string): string {
  const $ = (i: number) => `$${first + i}`;
  return `INSERT INTO audit_event (request_id, actor_client_id, actor_organization_id, action, outcome, purpose,
            target_type, target_ids, person_ids, result_count, details)
          SELECT ${$(0)}::text, ${$(1)}::text, ${$(2)}::text, ${$(3)}::text, ${computed.outcome}, ${$(4)}::text,
                 ${$(5)}::text, ${$(6)}::text[], ${computed.personIds}, ${computed.resultCount}, ${$(7)}::jsonb || ${computed.details}
          FROM ${from}`;
}

export function auditParams(e: AuditFixedFields): unknown[] {
  return [e.requestId, e.actorClientId, e.actorOrganizationId, e.action, e.purpose, e.targetType, e.targetIds, e.details];
}

/**
 * The fields of an audit event known before the query runs, for a read that writes its
 * audit event inside its own statement (see `auditInsertSql`).
 */
export function auditFixedFields(input: Omit<AuditEventInput, 'outcome' | 'personIds' | 'resultCount'>): AuditFixedFields {
  return {
    requestId: input.actor?.requestId || null,
    actorClientId: input.actor?.clientId ?? null,
    actorOrganizationId: input.actor?.organizationId ?? null,
    action: input.action,
    purpose: input.purpose ?? null,
    targetType: input.targetType ?? null,
    targetIds: input.targetIds ?? [],
    details: input.details ?? {},
  };
}


