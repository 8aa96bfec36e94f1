import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { assertDirectoryAccess } from '../auth/auth.guard.js';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { CreateOrganizationDto, EndpointParams, ListOrganizationsQueryDto, OrganizationIdParam, UpsertEndpointDto } from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('api/v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @RequireScopes('admin')
  create(@Body() dto: CreateOrganizationDto, @CurrentActor() actor: Actor) {
    return this.organizations.create(dto, actor);
  }

  @Get()
  @RequireScopes('admin')
  list(@Query() q: ListOrganizationsQueryDto) {
    return this.organizations.list(q.cursor, q.limit ?? 100);
  }

  /** The directory entry: readable by admin, query and steward clients; a feed client reads its own. */
  @Get(':orgId')
  @RequireScopes('admin', 'feed', 'query', 'steward')
  get(@Param() p: OrganizationIdParam, @CurrentActor() actor: Actor) {
    assertDirectoryAccess(actor, p.orgId);
    return this.organizations.get(p.orgId);
  }

  /** Creates (201) or replaces (200) one endpoint of the organization. */
  @Put(':orgId/endpoints/:endpointId')
  @RequireScopes('admin')
  async upsertEndpoint(@Param() p: EndpointParams, @Body() dto: UpsertEndpointDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, endpoint } = await this.organizations.upsertEndpoint(p.orgId, p.endpointId, dto, actor);
    res.status(created ? 201 : 200);
    return endpoint;
  }
}
