import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DemographicsDto } from '../../identities/dto/demographics.dto.js';

export class MatchRequestDto {
  @ApiProperty({ type: DemographicsDto })
  @IsObject() @ValidateNested() @Type(() => DemographicsDto)
  demographics: DemographicsDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 10 })
  @IsOptional() @IsInt() @Min(1) @Max(50)
  limit?: number;

  @ApiPropertyOptional({ description: 'Purpose of use, recorded in the audit trail' })
  @IsOptional() @IsString() @MaxLength(100)
  purpose?: string;
}

export class CompareRequestDto {
  @ApiProperty({ type: DemographicsDto })
  @IsObject() @ValidateNested() @Type(() => DemographicsDto)
  a: DemographicsDto;

  @ApiProperty({ type: DemographicsDto })
  @IsObject() @ValidateNested() @Type(() => DemographicsDto)
  b: DemographicsDto;
}
