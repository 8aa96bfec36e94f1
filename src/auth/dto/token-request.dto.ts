import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** RFC 6749 §4.4 client credentials request (form-encoded or JSON). */
export class TokenRequestDto {
  @ApiProperty({ example: 'client_credentials' })
  @IsOptional() @IsString() @MaxLength(100)
  grant_type?: string;

  @ApiPropertyOptional({ description: 'Or send the credentials with HTTP Basic authentication' })
  @IsOptional() @IsString() @MaxLength(200)
  client_id?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(500)
  client_secret?: string;

  @ApiPropertyOptional({ description: 'Space-separated subset of the client\'s scopes', example: 'query' })
  @IsOptional() @IsString() @MaxLength(200)
  scope?: string;
}
