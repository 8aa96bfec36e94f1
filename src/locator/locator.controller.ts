import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { toDemographics } from '../identities/demographics.mapper.js';
import { PersonParams } from '../linkage/dto/person-params.dto.js';
import { LocateByDemographicsDto, LocateByIdentifierQuery, LocatorFiltersDto } from './dto/locator.dto.js';
import { LocatorService } from './locator.service.js';

/**
 * Record locations: where a patient has records, as pointers (organization, the patient's id
 * there, link grade, endpoints). Unknown, opted out and ambiguous all answer 200 with
 * `{ personId: null, locations: [] }`.
 */
@ApiTags('record-locations')
@ApiBearerAuth()
@RequireScopes('query', 'steward')
@Controller('api/v1')
export class LocatorController {
  constructor(private readonly locator: LocatorService) {}

  /** By any identifier: `system|value` (an organization's MRN under its assigning authority, or e.g. an SSN). */
  @Get('record-locations')
  byIdentifier(@Query() q: LocateByIdentifierQuery, @CurrentActor() actor: Actor) {
    const { identifier, ...filters } = q;
    return this.locator.byIdentifier(identifier, filters, actor);
  }

  /** By demographics (matching: only `certain` locates unless a steward asks for a lower `minGrade`). Filters in the body or the query. */
  @Post('record-locations/search')
  @HttpCode(200)
  byDemographics(@Body() body: LocateByDemographicsDto, @Query() q: LocatorFiltersDto, @CurrentActor() actor: Actor) {
    const { demographics, ...filters } = body;
    return this.locator.byDemographics(toDemographics(demographics), { ...q, ...definedOnly(filters) }, actor);
  }

  @Get('persons/:personId/record-locations')
  byPerson(@Param() p: PersonParams, @Query() q: LocatorFiltersDto, @CurrentActor() actor: Actor) {
    return this.locator.byPerson(p.personId, q, actor);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
