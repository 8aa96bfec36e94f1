import { instanceToPlain } from 'class-transformer';
import type { Demographics } from '../matching/engine/index.js';
import type { DemographicsDto } from './dto/demographics.dto.js';

/** The validated DTO as plain engine demographics, without undefined members (stable hashing). */
export function toDemographics(dto: DemographicsDto): Demographics {
  return JSON.parse(JSON.stringify(instanceToPlain(dto))) as Demographics;
}
