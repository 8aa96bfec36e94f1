import { Module } from '@nestjs/common';
import { MatchingModule } from '../matching/matching.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({ imports: [MatchingModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
