import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ASSIGNING_AUTHORITY } from '../../organizations/dto/organization.dto.js';
import { HasUsableName, IsPastCalendarDate } from './demographics.validators.js';

export const SEX_CODES = ['male', 'female', 'other', 'unknown'] as const;
export const NAME_USES = ['official', 'usual', 'nickname', 'maiden', 'old', 'anonymous', 'temp'] as const;
export const TELECOM_SYSTEMS = ['phone', 'email', 'fax', 'sms', 'pager', 'url', 'other'] as const;
export const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$/;
/** An identifier's value: no leading or trailing white space. */
export const IDENTIFIER_VALUE = /^\S(.*\S)?$/;

// These DTOs are the single definition of valid demographics. acceptsDemographics
// (../demographics.fast-check.ts) mirrors every rule of them by hand, so that valid batch rows
// skip class-validator: any change here (a field, a length, a pattern, a list, IsOptional)
// must be made there too. demographics.fast-check.spec.ts fails when the two diverge.

export class HumanNameDto {
  @ApiPropertyOptional({ example: 'Nguyen' })
  @IsOptional() @IsString() @MaxLength(100)
  family?: string;

  @ApiPropertyOptional({ example: ['Thi', 'Mai'] })
  @IsOptional() @IsArray() @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(100, { each: true })
  given?: string[];

  @ApiPropertyOptional({ example: [] })
  @IsOptional() @IsArray() @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(30, { each: true })
  prefix?: string[];

  @ApiPropertyOptional({ example: [] })
  @IsOptional() @IsArray() @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(30, { each: true })
  suffix?: string[];

  @ApiPropertyOptional({ enum: NAME_USES })
  @IsOptional() @IsIn(NAME_USES)
  use?: (typeof NAME_USES)[number];
}

export class AddressDto {
  @ApiPropertyOptional({ example: ['12 Main St', 'Apt 4'] })
  @IsOptional() @IsArray() @ArrayMaxSize(4) @IsString({ each: true }) @MaxLength(200, { each: true })
  line?: string[];

  @ApiPropertyOptional({ example: 'Madison' })
  @IsOptional() @IsString() @MaxLength(100)
  city?: string;

  @ApiPropertyOptional({ example: 'WI' })
  @IsOptional() @IsString() @MaxLength(50)
  state?: string;

  @ApiPropertyOptional({ example: '53703' })
  @IsOptional() @IsString() @Matches(POSTAL_CODE, { message: 'postalCode must be 1-20 letters, digits, spaces or dashes' })
  postalCode?: string;

  @ApiPropertyOptional({ example: 'US' })
  @IsOptional() @IsString() @MaxLength(60)
  country?: string;
}

export class ContactPointDto {
  @ApiProperty({ enum: TELECOM_SYSTEMS })
  @IsIn(TELECOM_SYSTEMS)
  system: (typeof TELECOM_SYSTEMS)[number];

  @ApiProperty({ example: '608-555-0101' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  value: string;
}

export class IdentifierDto {
  @ApiProperty({ example: 'urn:oid:2.16.840.1.113883.4.1' })
  @IsString() @MaxLength(300) @Matches(ASSIGNING_AUTHORITY, { message: 'system must be a URI such as urn:oid:2.16.840.1.113883.4.1' })
  system: string;

  @ApiProperty({ example: '123-45-6789' })
  @IsString() @IsNotEmpty() @MaxLength(100) @Matches(IDENTIFIER_VALUE, { message: 'value must not start or end with spaces' })
  value: string;
}

/** A patient's demographics as an organization submits them (API.md). */
export class DemographicsDto {
  @ApiProperty({ type: [HumanNameDto] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => HumanNameDto) @HasUsableName()
  name: HumanNameDto[];

  @ApiPropertyOptional({ example: '1984-03-07' })
  @IsOptional() @IsPastCalendarDate()
  birthDate?: string;

  @ApiPropertyOptional({ enum: SEX_CODES })
  @IsOptional() @IsIn(SEX_CODES)
  sex?: (typeof SEX_CODES)[number];

  @ApiPropertyOptional({ type: [AddressDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => AddressDto)
  address?: AddressDto[];

  @ApiPropertyOptional({ type: [ContactPointDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ContactPointDto)
  telecom?: ContactPointDto[];

  @ApiPropertyOptional({ type: [IdentifierDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => IdentifierDto)
  identifiers?: IdentifierDto[];

  @ApiPropertyOptional({ example: 'Tran' })
  @IsOptional() @IsString() @MaxLength(100)
  mothersMaidenName?: string;
}
