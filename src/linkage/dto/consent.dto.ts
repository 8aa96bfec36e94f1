import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

export const CONSENT_STATUSES = ['opt-out', 'opt-in'] as const;

export class ConsentDto {
  @ApiProperty({ enum: CONSENT_STATUSES, description: 'opt-out: invisible to every query (feeds still accepted); opt-in restores' })
  @IsIn(CONSENT_STATUSES, { message: `status must be one of ${CONSENT_STATUSES.join(', ')}` })
  status: (typeof CONSENT_STATUSES)[number];
}
