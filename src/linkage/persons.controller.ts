import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { ConsentDto } from './dto/consent.dto.js';
import { PersonParams, PurposeQuery } from './dto/person-params.dto.js';
import { PersonsService } from './persons.service.js';

@ApiTags('persons')
@ApiBearerAuth()
@Controller('api/v1/persons')
export class PersonsController {
  constructor(private readonly persons: PersonsService) {}

  @Get(':personId')
  @RequireScopes('query', 'steward')
  get(@Param() p: PersonParams, @Query() q: PurposeQuery, @CurrentActor() actor: Actor) {
    return this.persons.get(p.personId, actor, q.purpose);
  }

  /** The patient's consent to be found: `opt-out` hides the person from every query; `opt-in` restores. */
  @Put(':personId/consent')
  @RequireScopes('steward', 'admin')
  setConsent(@Param() p: PersonParams, @Body() body: ConsentDto, @CurrentActor() actor: Actor) {
    return this.persons.setConsent(p.personId, body.status, actor);
  }
}
