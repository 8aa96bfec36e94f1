import type { Demographics } from '../matching/engine/index.js';
import type { DemographicsDto } from './dto/demographics.dto.js';

/**
 * The validated DTO as plain engine demographics, without undefined members (stable hashing).
 * The DTO classes only carry validation metadata (no @Expose, @Exclude or @Transform), so a
 * JSON round trip gives what class-transformer's instanceToPlain did, at a fraction of the cost.
 */
export function toDemographics(dto: DemographicsDto): Demographics {
  return JSON.parse(JSON.stringify(dto)) as Demographics;
}
