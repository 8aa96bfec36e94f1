import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { EntityId } from '../../common/http/entity-id.js';

export class PersonParams {
  @EntityId('personId must be a person id (UUID)')
  personId: string;
}

export class PurposeQuery {
  @ApiPropertyOptional({ description: 'Purpose of use, recorded in the audit trail (e.g. TREATMENT)' })
  @IsOptional() @IsString() @MaxLength(100)
  purpose?: string;
}
