import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'denied' | 'failure';

/** One append-only audit row (the database refuses UPDATE and DELETE). */
@Entity('audit_event')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ name: 'actor_client_id', type: 'text', nullable: true })
  actorClientId: string | null;

  @Column({ name: 'actor_organization_id', type: 'text', nullable: true })
  actorOrganizationId: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  outcome: AuditOutcome;

  @Column({ type: 'text', nullable: true })
  purpose: string | null;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_ids', type: 'text', array: true, default: () => "'{}'" })
  targetIds: string[];

  @Column({ name: 'person_ids', type: 'text', array: true, default: () => "'{}'" })
  personIds: string[];

  @Column({ name: 'result_count', type: 'integer', nullable: true })
  resultCount: number | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
