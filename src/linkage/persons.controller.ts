import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
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
}
