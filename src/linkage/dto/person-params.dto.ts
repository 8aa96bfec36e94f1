import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class PersonParams {
  @IsUUID('all', { message: 'personId must be a person id (UUID)' })
  personId: string;
}

export class PurposeQuery {
  @ApiPropertyOptional({ description: 'Purpose of use, recorded in the audit trail (e.g. TREATMENT)' })
  @IsOptional() @IsString() @MaxLength(100)
  purpose?: string;
}
