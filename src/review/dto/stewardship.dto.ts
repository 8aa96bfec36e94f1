import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EntityId } from '../../common/http/entity-id.js';

export class LinkRecordDto {
  @ApiProperty({ description: 'The record to link to (move into) this person' })
  @EntityId('recordId must be a record id (UUID)')
  recordId: string;

  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000)
  note?: string;
}

export class PersonRecordParams {
  @EntityId('personId must be a person id (UUID)')
  personId: string;

  @EntityId('recordId must be a record id (UUID)')
  recordId: string;
}

export class RecordParams {
  @EntityId('recordId must be a record id (UUID)')
  recordId: string;
}

export class MergePersonDto {
  @ApiProperty({ description: 'The person merged into this one (it ends as status merged)' })
  @EntityId('personId must be a person id (UUID)')
  personId: string;

  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000)
  note?: string;
}

export class MergeParams {
  @EntityId('mergeId must be a merge id (UUID)')
  mergeId: string;
}

export class MergesQueryDto {
  @ApiProperty({ description: 'Merges this person took part in, either side' })
  @EntityId('personId must be a person id (UUID)')
  personId: string;
}

export class UnlinkDto {
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000)
  note?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (older events)' })
  @IsOptional() @Matches(/^\d{1,19}$/, { message: 'before must be a nextCursor value' })
  before?: string;
}
