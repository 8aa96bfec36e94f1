import { Module } from '@nestjs/common';
import { IdentitiesModule } from '../identities/identities.module.js';
import { MatchingModule } from '../matching/matching.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';
import { LinkRepository } from './link.repository.js';
import { PersonStateService } from './person-state.service.js';
import { PersonsController } from './persons.controller.js';
import { PersonsService } from './persons.service.js';

@Module({
  imports: [OrganizationsModule, IdentitiesModule, MatchingModule],
  controllers: [FeedController, PersonsController],
  providers: [FeedService, LinkRepository, PersonStateService, PersonsService],
  exports: [FeedService, PersonsService],
})
export class LinkageModule {}
