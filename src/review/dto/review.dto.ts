import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EntityId } from '../../common/http/entity-id.js';

export const REVIEW_STATUSES = ['open', 'resolved', 'dismissed'] as const;
export const REVIEW_GRADES = ['probable', 'possible'] as const;
export const REVIEW_DECISIONS = ['same-person', 'different-people'] as const;

export class ReviewTaskQueryDto {
  @ApiPropertyOptional({ enum: REVIEW_STATUSES, default: 'open' })
  @IsOptional() @IsIn(REVIEW_STATUSES, { message: `status must be one of ${REVIEW_STATUSES.join(', ')}` })
  status?: (typeof REVIEW_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Tasks where either record belongs to this organization' })
  @IsOptional() @IsString() @MaxLength(100)
  organizationId?: string;

  @ApiPropertyOptional({ enum: REVIEW_GRADES })
  @IsOptional() @IsIn(REVIEW_GRADES, { message: `grade must be one of ${REVIEW_GRADES.join(', ')}` })
  grade?: (typeof REVIEW_GRADES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,300}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

export class ReviewTaskParams {
  @EntityId('id must be a review task id (UUID)')
  id: string;
}

export class ResolveReviewTaskDto {
  @ApiProperty({ enum: REVIEW_DECISIONS, description: 'same-person: link the record to the candidate person (sticky); different-people: never link this pair automatically' })
  @IsIn(REVIEW_DECISIONS, { message: `decision must be one of ${REVIEW_DECISIONS.join(', ')}` })
  decision: (typeof REVIEW_DECISIONS)[number];

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional() @IsString() @MaxLength(1000)
  note?: string;
}
