import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { PersonParams } from '../linkage/dto/person-params.dto.js';
import { LinkHistoryService } from '../linkage/link-history.service.js';
import { MergePersonsService } from '../linkage/merge-persons.service.js';
import { StewardLinksService } from '../linkage/steward-links.service.js';
import { HistoryQueryDto, LinkRecordDto, MergeParams, MergePersonDto, MergesQueryDto, PersonRecordParams, RecordParams, UnlinkDto } from './dto/stewardship.dto.js';

/** A steward's corrections: manual link / unlink, merge / unmerge, and the history behind them. */
@ApiTags('stewardship')
@ApiBearerAuth()
@RequireScopes('steward')
@Controller('api/v1')
export class StewardshipController {
  constructor(
    private readonly links: StewardLinksService,
    private readonly merges: MergePersonsService,
    private readonly history: LinkHistoryService,
  ) {}

  /** Manual link: moves the record into this person (sticky). */
  @Post('persons/:personId/records')
  @HttpCode(200)
  link(@Param() p: PersonParams, @Body() body: LinkRecordDto, @CurrentActor() actor: Actor) {
    return this.links.link(p.personId, body.recordId, { actor, note: body.note ?? null });
  }

  /** Manual unlink: the record gets a new person of its own, never re-linked automatically. */
  @Delete('persons/:personId/records/:recordId')
  unlink(@Param() p: PersonRecordParams, @Body() body: UnlinkDto, @CurrentActor() actor: Actor) {
    return this.links.unlink(p.personId, p.recordId, { actor, note: body?.note ?? null });
  }

  @Post('persons/:personId/merge')
  @HttpCode(200)
  merge(@Param() p: PersonParams, @Body() body: MergePersonDto, @CurrentActor() actor: Actor) {
    return this.merges.merge(p.personId, body.personId, actor, body.note ?? null);
  }

  @Get('merges')
  async listMerges(@Query() q: MergesQueryDto) {
    return { items: await this.merges.list(q.personId) };
  }

  @Post('merges/:mergeId/undo')
  @HttpCode(200)
  undo(@Param() p: MergeParams, @CurrentActor() actor: Actor) {
    return this.merges.undo(p.mergeId, actor);
  }

  @Get('persons/:personId/history')
  personHistory(@Param() p: PersonParams, @Query() q: HistoryQueryDto, @CurrentActor() actor: Actor) {
    return this.history.forPerson(p.personId, { limit: q.limit ?? 100, before: q.before }, actor);
  }

  @Get('records/:recordId/history')
  recordHistory(@Param() p: RecordParams, @Query() q: HistoryQueryDto, @CurrentActor() actor: Actor) {
    return this.history.forRecord(p.recordId, { limit: q.limit ?? 100, before: q.before }, actor);
  }
}
