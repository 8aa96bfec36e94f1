import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { DemographicsDto } from '../../identities/dto/demographics.dto.js';
import { unstorableCharacterErrors } from '../../common/unstorable-characters.js';
import { ORGANIZATION_ID_PATTERN } from '../../organizations/organization-id.js';

export const LOCATOR_GRADES = ['certain', 'probable', 'possible'] as const;
export type LocatorGrade = (typeof LOCATOR_GRADES)[number];

/** The rules of the locator's query parameters: the DTOs below and `parseValidIdentifierQuery` share them. */
const CONNECTION_TYPE = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const IDENTIFIER = /^[^|\s][^|]*\|\s*\S.*$/su;
const IDENTIFIER_MAX_LENGTH = 500;
const PURPOSE_MAX_LENGTH = 100;

/** Filters shared by the three locator calls (query parameters; the search also takes them in its body). */
export class LocatorFiltersDto {
  @ApiPropertyOptional({ description: 'Only locations at this organization (its id)' })
  @IsOptional() @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'organization must be an organization id' })
  organization?: string;

  @ApiPropertyOptional({ description: 'Only endpoints of this connection type (and only locations that have one), e.g. hl7-fhir-rest' })
  @IsOptional() @IsString() @Matches(CONNECTION_TYPE, { message: 'connectionType must be a lower-case code such as hl7-fhir-rest or ihe-xca' })
  connectionType?: string;

  @ApiPropertyOptional({ enum: LOCATOR_GRADES, description: 'Lowest link grade a location may have (default: any)' })
  @IsOptional() @IsIn(LOCATOR_GRADES, { message: `minGrade must be one of ${LOCATOR_GRADES.join(', ')}` })
  minGrade?: LocatorGrade;

  @ApiPropertyOptional({ description: 'Purpose of use, recorded in the audit trail (e.g. TREATMENT)' })
  @IsOptional() @IsString() @MaxLength(PURPOSE_MAX_LENGTH)
  purpose?: string;
}

export class LocateByIdentifierQuery extends LocatorFiltersDto {
  @ApiProperty({
    example: 'urn:oid:2.16.840.1.113883.3.1001|MRN-4711',
    description: "system|value: an organization's assigning authority and its local id, or another identifier system (e.g. the US SSN system)",
  })
  @IsString() @MaxLength(IDENTIFIER_MAX_LENGTH) @Matches(IDENTIFIER, { message: 'identifier must be system|value (both non-empty)' })
  identifier: string;
}

export class LocateByDemographicsDto extends LocatorFiltersDto {
  @ApiProperty({ type: DemographicsDto })
  @IsObject() @ValidateNested() @Type(() => DemographicsDto)
  demographics: DemographicsDto;
}

const IDENTIFIER_QUERY_FIELDS = new Set(['identifier', 'organization', 'connectionType', 'minGrade', 'purpose']);

/**
 * The by-identifier query when it is certainly valid, without class-validator (the record
 * locator's fast path, ~1,000 requests/s): the parsed query (`querystring.parse`, Express's
 * 'simple' query parser) of exactly the fields of `LocateByIdentifierQuery`, each a single
 * string its rules accept. Anything else — a missing, repeated, unknown or doubtful field —
 * gives null, and the request goes the ordinary way (ValidationPipe), which answers the 400
 * naming the fields; so this accepts a subset of what the DTO accepts, never more. Lengths
 * are UTF-16 code units here, which are never fewer than the characters `@MaxLength` counts.
 */
export function parseValidIdentifierQuery(query: Record<string, unknown>): LocateByIdentifierQuery | null {
  let n = 0;
  for (const key in query) {
    if (!IDENTIFIER_QUERY_FIELDS.has(key) || typeof query[key] !== 'string') return null;
    n++;
  }
  if (n === 0) return null;
  const { identifier, organization, connectionType, minGrade, purpose } = query as Partial<Record<string, string>>;
  if (identifier === undefined || identifier.length > IDENTIFIER_MAX_LENGTH || !IDENTIFIER.test(identifier)) return null;
  if (organization !== undefined && !ORGANIZATION_ID_PATTERN.test(organization)) return null;
  if (connectionType !== undefined && !CONNECTION_TYPE.test(connectionType)) return null;
  if (minGrade !== undefined && !(LOCATOR_GRADES as readonly string[]).includes(minGrade)) return null;
  if (purpose !== undefined && purpose.length > PURPOSE_MAX_LENGTH) return null;
  // A character PostgreSQL cannot store (the global pipe answers 400, see unstorable-characters.ts) takes the normal route.
  if (unstorableCharacterErrors(query, '', 1).length > 0) return null;
  return { identifier, organization, connectionType, minGrade: minGrade as LocatorGrade | undefined, purpose };
}
