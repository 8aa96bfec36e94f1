import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, MoreThan } from 'typeorm';
import { EndpointEntity } from './entities/endpoint.entity.js';
import { OrganizationEntity } from './entities/organization.entity.js';

@Injectable()
export class OrganizationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findWithEndpoints(id: string, manager: EntityManager = this.dataSource.manager): Promise<OrganizationEntity | null> {
    return manager.findOne(OrganizationEntity, { where: { id }, relations: { endpoints: true } });
  }

  async exists(id: string): Promise<boolean> {
    return this.dataSource.manager.existsBy(OrganizationEntity, { id });
  }

  findByAssigningAuthority(assigningAuthority: string): Promise<OrganizationEntity | null> {
    return this.dataSource.manager.findOneBy(OrganizationEntity, { assigningAuthority });
  }

  /** Keyset page ordered by id. */
  findPage(afterId: string | undefined, limit: number): Promise<OrganizationEntity[]> {
    return this.dataSource.manager.find(OrganizationEntity, {
      where: afterId ? { id: MoreThan(afterId) } : {},
      relations: { endpoints: true },
      order: { id: 'ASC' },
      take: limit + 1,
    });
  }

  async insert(org: Pick<OrganizationEntity, 'id' | 'name' | 'assigningAuthority'>, manager: EntityManager): Promise<void> {
    await manager.insert(OrganizationEntity, org);
  }

  /** Inserts or updates one endpoint; tells whether it was created. */
  async upsertEndpoint(e: Pick<EndpointEntity, 'organizationId' | 'id' | 'connectionType' | 'address' | 'payloadTypes' | 'status'>, manager: EntityManager): Promise<boolean> {
    const rows: Array<{ created: boolean }> = await manager.query(
      `INSERT INTO endpoint (organization_id, id, connection_type, address, payload_types, status)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (organization_id, id) DO UPDATE SET connection_type = EXCLUDED.connection_type,
         address = EXCLUDED.address, payload_types = EXCLUDED.payload_types, status = EXCLUDED.status, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [e.organizationId, e.id, e.connectionType, e.address, e.payloadTypes, e.status],
    );
    return rows[0].created;
  }

  findEndpoint(organizationId: string, id: string, manager: EntityManager): Promise<EndpointEntity | null> {
    return manager.findOneBy(EndpointEntity, { organizationId, id });
  }
}
