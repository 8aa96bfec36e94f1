import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { DemographicsDto } from '../../identities/dto/demographics.dto.js';

export const LOCATOR_GRADES = ['certain', 'probable', 'possible'] as const;
export type LocatorGrade = (typeof LOCATOR_GRADES)[number];

/** Filters shared by the three locator calls (query parameters; the search also takes them in its body). */
export class LocatorFiltersDto {
  @ApiPropertyOptional({ description: 'Only locations at this organization (its id)' })
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'organization must be an organization id' })
  organization?: string;

  @ApiPropertyOptional({ description: 'Only endpoints of this connection type (and only locations that have one), e.g. hl7-fhir-rest' })
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{0,63}$/, { message: 'connectionType must be a lower-case code such as hl7-fhir-rest or ihe-xca' })
  connectionType?: string;

  @ApiPropertyOptional({ enum: LOCATOR_GRADES, description: 'Lowest link grade a location may have (default: any)' })
  @IsOptional() @IsIn(LOCATOR_GRADES, { message: `minGrade must be one of ${LOCATOR_GRADES.join(', ')}` })
  minGrade?: LocatorGrade;

  @ApiPropertyOptional({ description: 'Purpose of use, recorded in the audit trail (e.g. TREATMENT)' })
  @IsOptional() @IsString() @MaxLength(100)
  purpose?: string;
}

export class LocateByIdentifierQuery extends LocatorFiltersDto {
  @ApiProperty({
    example: 'urn:oid:2.16.840.1.113883.3.1001|MRN-4711',
    description: "system|value: an organization's assigning authority and its local id, or another identifier system (e.g. the US SSN system)",
  })
  @IsString() @MaxLength(500) @Matches(/^[^|\s][^|]*\|\s*\S.*$/su, { message: 'identifier must be system|value (both non-empty)' })
  identifier: string;
}

export class LocateByDemographicsDto extends LocatorFiltersDto {
  @ApiProperty({ type: DemographicsDto })
  @IsObject() @ValidateNested() @Type(() => DemographicsDto)
  demographics: DemographicsDto;
}
