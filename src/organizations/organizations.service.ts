import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { CreateOrganizationDto, UpsertEndpointDto } from './dto/organization.dto.js';
import { type EndpointView, type OrganizationView, toEndpointView, toOrganizationView } from './organization.mapper.js';
import { OrganizationError } from './organizations.errors.js';
import { OrganizationsRepository } from './organizations.repository.js';

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsRepository,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateOrganizationDto, actor: Actor): Promise<OrganizationView> {
    return this.dataSource.transaction(async (manager) => {
      try {
        await this.organizations.insert({ id: dto.id, name: dto.name, assigningAuthority: dto.assigningAuthority }, manager);
      } catch (e) {
        const { code, constraint } = e as { code?: string; constraint?: string };
        if (code === '23505') {
          throw constraint === 'uq_organization_assigning_authority' ? OrganizationError.assigningAuthorityTaken() : OrganizationError.idTaken();
        }
        throw e;
      }
      await this.audit.record({ action: 'organization.create', outcome: 'success', actor, targetType: 'organization', targetIds: [dto.id] }, manager);
      return toOrganizationView((await this.organizations.findWithEndpoints(dto.id, manager))!);
    });
  }

  /** Organizations are never deleted, so one that was seen to exist is remembered. */
  private readonly known = new Set<string>();

  /** Throws 404 unless the organization exists. */
  async assertExists(id: string): Promise<void> {
    if (this.known.has(id)) return;
    if (!(await this.organizations.exists(id))) throw OrganizationError.notFound();
    this.known.add(id);
  }

  async get(id: string): Promise<OrganizationView> {
    const org = await this.organizations.findWithEndpoints(id);
    if (!org) throw OrganizationError.notFound();
    return toOrganizationView(org);
  }

  async list(cursor: string | undefined, limit: number): Promise<{ items: OrganizationView[]; nextCursor: string | null }> {
    const rows = await this.organizations.findPage(cursor, limit);
    const items = rows.slice(0, limit).map((o) => toOrganizationView(o));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async upsertEndpoint(orgId: string, endpointId: string, dto: UpsertEndpointDto, actor: Actor): Promise<{ created: boolean; endpoint: EndpointView }> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.organizations.findWithEndpoints(orgId, manager))) throw OrganizationError.notFound();
      const created = await this.organizations.upsertEndpoint(
        { organizationId: orgId, id: endpointId, connectionType: dto.connectionType, address: dto.address, payloadTypes: dto.payloadTypes ?? [], status: dto.status ?? 'active' },
        manager,
      );
      await this.audit.record(
        { action: created ? 'endpoint.create' : 'endpoint.update', outcome: 'success', actor, targetType: 'endpoint', targetIds: [`${orgId}/${endpointId}`] },
        manager,
      );
      return { created, endpoint: toEndpointView((await this.organizations.findEndpoint(orgId, endpointId, manager))!) };
    });
  }
}
