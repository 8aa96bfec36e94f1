import { Module } from '@nestjs/common';
import { IdentitiesModule } from '../identities/identities.module.js';
import { MatchingModule } from '../matching/matching.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ChunkLinkageRepository } from './chunk-linkage.repository.js';
import { ChunkLinkageService } from './chunk-linkage.service.js';
import { FeedController } from './feed.controller.js';
import { FeedRepository } from './feed.repository.js';
import { FeedService } from './feed.service.js';
import { HistoryRepository } from './history.repository.js';
import { LinkHistoryService } from './link-history.service.js';
import { LinkRepository } from './link.repository.js';
import { MergePersonsService } from './merge-persons.service.js';
import { MergeRepository } from './merge.repository.js';
import { PendingReviewService } from './pending-review.service.js';
import { PersonStateService } from './person-state.service.js';
import { PersonsController } from './persons.controller.js';
import { PersonsService } from './persons.service.js';
import { StewardLinksService } from './steward-links.service.js';
import { StewardshipRepository } from './stewardship.repository.js';

@Module({
  imports: [OrganizationsModule, IdentitiesModule, MatchingModule],
  controllers: [FeedController, PersonsController],
  providers: [
    FeedService, FeedRepository, LinkRepository, PersonStateService, PendingReviewService, PersonsService,
    StewardshipRepository, MergeRepository, HistoryRepository, StewardLinksService, MergePersonsService, LinkHistoryService,
    ChunkLinkageRepository, ChunkLinkageService,
  ],
  exports: [FeedService, PersonsService, StewardLinksService, MergePersonsService, LinkHistoryService, ChunkLinkageService],
})
export class LinkageModule {}
