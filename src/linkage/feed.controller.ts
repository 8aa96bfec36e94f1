import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { assertOrganizationAccess } from '../auth/auth.guard.js';
import { DemographicsDto } from '../identities/dto/demographics.dto.js';
import { RecordParams } from '../identities/dto/record-params.dto.js';
import { toDemographics } from '../identities/demographics.mapper.js';
import { FeedService } from './feed.service.js';

@ApiTags('records')
@ApiBearerAuth()
@RequireScopes('feed', 'admin')
@Controller('api/v1/organizations/:orgId/records')
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  /** Creates (201) or updates (200) the record; the same body twice changes nothing. */
  @Put(':localId')
  async upsert(@Param() p: RecordParams, @Body() body: DemographicsDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    assertOrganizationAccess(actor, p.orgId);
    const { created, ...result } = await this.feed.upsert(p.orgId, p.localId, toDemographics(body), actor);
    res.status(created ? 201 : 200);
    return result;
  }

  @Get(':localId')
  get(@Param() p: RecordParams, @CurrentActor() actor: Actor) {
    assertOrganizationAccess(actor, p.orgId);
    return this.feed.get(p.orgId, p.localId);
  }

  /** Retires the record (kept for history, gone from answers). */
  @Delete(':localId')
  @HttpCode(204)
  async retire(@Param() p: RecordParams, @CurrentActor() actor: Actor): Promise<void> {
    assertOrganizationAccess(actor, p.orgId);
    await this.feed.retire(p.orgId, p.localId, actor);
  }
}
