import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EntityId } from '../../common/http/entity-id.js';

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Only events that disclosed or changed this person' })
  @IsOptional() @EntityId('personId must be a person id (UUID)')
  personId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100)
  clientId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100)
  organizationId?: string;

  @ApiPropertyOptional({ example: 'auth.token.issue' }) @IsOptional() @IsString() @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ enum: ['success', 'denied', 'failure'] })
  @IsOptional() @IsIn(['success', 'denied', 'failure'])
  outcome?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 instant' }) @IsOptional() @Type(() => Date) @IsDate()
  since?: Date;

  @ApiPropertyOptional({ description: 'ISO 8601 instant (exclusive)' }) @IsOptional() @Type(() => Date) @IsDate()
  until?: Date;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @Matches(/^\d{1,19}$/)
  cursor?: string;
}
