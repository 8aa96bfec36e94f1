import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ORGANIZATION_ID_PATTERN } from '../../organizations/organization-id.js';
import { EntityId } from '../../common/http/entity-id.js';

export const BATCH_FORMATS = ['csv', 'ndjson'] as const;

export class BatchUploadQuery {
  @ApiProperty({ example: 'st-lukes' })
  @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'organizationId must be an organization id' })
  organizationId: string;

  @ApiPropertyOptional({ enum: BATCH_FORMATS, description: 'Defaults from the content type (text/csv, application/x-ndjson) or the file name' })
  @IsOptional() @IsIn(BATCH_FORMATS, { message: 'format must be csv or ndjson' })
  format?: (typeof BATCH_FORMATS)[number];
}

export class BatchLoadParams {
  @EntityId('id must be a batch load id (UUID)')
  id: string;
}

export class JobsQuery {
  @ApiPropertyOptional({ default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
}
