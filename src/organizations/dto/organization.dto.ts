import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ENDPOINT_STATUSES, type EndpointStatus } from '../entities/endpoint.entity.js';
import { ORGANIZATION_ID_PATTERN } from '../organization-id.js';

/** A URI naming an assigning authority: urn:oid:…, urn:uuid:… or an http(s) URL. */
export const ASSIGNING_AUTHORITY = /^(urn:oid:[0-2](\.(0|[1-9]\d*))+|urn:uuid:[0-9a-fA-F-]{36}|https?:\/\/[^\s|]+|urn:[a-zA-Z0-9][a-zA-Z0-9-]{0,31}:[^\s|]+)$/;

export class CreateOrganizationDto {
  @ApiProperty({ example: 'st-lukes', description: 'Lower-case slug, unique' })
  @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'id must be a lower-case slug (a-z, 0-9, -; at most 63 characters)' })
  id: string;

  @ApiProperty({ example: "St Luke's Hospital" })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'urn:oid:1.2.3.4', description: 'URI under which the organization\'s local ids are unique' })
  @IsString() @MaxLength(300) @Matches(ASSIGNING_AUTHORITY, { message: 'assigningAuthority must be a URI such as urn:oid:1.2.3.4' })
  assigningAuthority: string;
}

export class UpsertEndpointDto {
  @ApiProperty({ example: 'hl7-fhir-rest', description: 'hl7-fhir-rest, ihe-xca, ihe-xds, direct-project, …' })
  @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{0,63}$/, { message: 'connectionType must be a lower-case code such as hl7-fhir-rest or ihe-xca' })
  connectionType: string;

  @ApiProperty({ example: 'https://fhir.stlukes.example/r4' })
  @IsString() @IsNotEmpty() @MaxLength(2000) @Matches(/^\S+$/, { message: 'address must not contain spaces' })
  address: string;

  @ApiPropertyOptional({ example: ['application/fhir+json'] })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(200, { each: true })
  payloadTypes?: string[];

  @ApiPropertyOptional({ enum: ENDPOINT_STATUSES, default: 'active' })
  @IsOptional() @IsIn(ENDPOINT_STATUSES)
  status?: EndpointStatus;
}

export class ListOrganizationsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(63)
  cursor?: string;
}

export class OrganizationIdParam {
  @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'orgId must be an organization id' })
  orgId: string;
}

export class EndpointParams extends OrganizationIdParam {
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'endpointId must be 1-64 characters of A-Z a-z 0-9 . _ -' })
  endpointId: string;
}
