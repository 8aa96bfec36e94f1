import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { toDemographics } from '../identities/demographics.mapper.js';
import { CompareRequestDto, MatchRequestDto } from './dto/match.dto.js';
import { MatchService } from './match.service.js';
import { MatchingService } from './matching.service.js';

@ApiTags('matching')
@ApiBearerAuth()
@Controller('api/v1')
export class MatchController {
  constructor(
    private readonly match: MatchService,
    private readonly matching: MatchingService,
  ) {}

  /** Persons these demographics may belong to (certain, probable, possible), best first. Reads only. */
  @Post('match')
  @HttpCode(200)
  @RequireScopes('query', 'steward')
  find(@Body() body: MatchRequestDto, @CurrentActor() actor: Actor) {
    return this.match.match(toDemographics(body.demographics), body.limit ?? 10, actor, body.purpose);
  }

  /** Scores two demographics against each other, with every field's contribution. */
  @Post('match/compare')
  @HttpCode(200)
  @RequireScopes('query', 'steward')
  compare(@Body() body: CompareRequestDto) {
    return this.match.compare(toDemographics(body.a), toDemographics(body.b));
  }

  /** The active rule set and counters (pairs scored, oversized blocks skipped) of this process. */
  @Get('matching/metrics')
  @RequireScopes('admin', 'steward')
  metrics() {
    return this.matching.metrics();
  }
}
