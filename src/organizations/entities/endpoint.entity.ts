import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity.js';

export const ENDPOINT_STATUSES = ['active', 'suspended', 'error', 'off', 'entered-in-error', 'test'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

@Entity('endpoint')
export class EndpointEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'text' })
  organizationId: string;

  @PrimaryColumn({ type: 'text' })
  id: string;

  @ManyToOne(() => OrganizationEntity, (o) => o.endpoints)
  @JoinColumn({ name: 'organization_id' })
  organization?: Relation<OrganizationEntity>;

  @Column({ name: 'connection_type', type: 'text' })
  connectionType: string;

  @Column({ type: 'text' })
  address: string;

  @Column({ name: 'payload_types', type: 'text', array: true, default: () => "'{}'" })
  payloadTypes: string[];

  @Column({ type: 'text', default: 'active' })
  status: EndpointStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
