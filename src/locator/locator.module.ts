import { Module } from '@nestjs/common';
import { MatchingModule } from '../matching/matching.module.js';
import { LocatorController } from './locator.controller.js';
import { LocatorRepository } from './locator.repository.js';
import { LocatorService } from './locator.service.js';

/** The record locator service (DESIGN.md §5): reads identities and links, writes only the audit trail. */
@Module({
  imports: [MatchingModule],
  controllers: [LocatorController],
  providers: [LocatorService, LocatorRepository],
})
export class LocatorModule {}
