import { Module } from '@nestjs/common';
import { BlockingIndexRepository } from './blocking-index.repository.js';
import { BlockingIndexService } from './blocking-index.service.js';
import { CandidateRepository } from './candidate.repository.js';
import { MatchController } from './match.controller.js';
import { MatchService } from './match.service.js';
import { MatchingService } from './matching.service.js';
import { PersonVisibilityRepository } from './person-visibility.repository.js';
import { RecordCountCache } from './record-count.cache.js';
import { ruleSetProvider } from './rule-set.provider.js';
import { TermFrequencyRepository } from './term-frequency.repository.js';

@Module({
  controllers: [MatchController],
  providers: [ruleSetProvider, BlockingIndexRepository, BlockingIndexService, CandidateRepository, TermFrequencyRepository, RecordCountCache, MatchingService, MatchService, PersonVisibilityRepository],
  exports: [MatchingService, MatchService, TermFrequencyRepository, BlockingIndexRepository, BlockingIndexService],
})
export class MatchingModule {}
