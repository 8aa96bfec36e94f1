import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { EndpointEntity } from './endpoint.entity.js';

@Entity('organization')
export class OrganizationEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'assigning_authority', type: 'text' })
  assigningAuthority: string;

  @Column({ type: 'text', default: 'active' })
  status: 'active' | 'inactive';

  @OneToMany(() => EndpointEntity, (e) => e.organization)
  endpoints?: Relation<EndpointEntity[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
