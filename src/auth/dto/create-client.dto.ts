import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SCOPES, type Scope } from '../scopes.js';
import { ORGANIZATION_ID_PATTERN } from '../../organizations/organization-id.js';

export class CreateClientDto {
  @ApiProperty({ example: 'St Luke\'s ADT feed' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ description: 'Required for the feed scope: the organization whose records the client writes' })
  @IsOptional() @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'organizationId must be an organization id (a lower-case slug)' })
  organizationId?: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @IsIn(SCOPES, { each: true })
  scopes: Scope[];
}
