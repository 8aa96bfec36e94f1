import { Module } from '@nestjs/common';
import { LinkageModule } from '../linkage/linkage.module.js';
import { ReviewTasksController } from './review-tasks.controller.js';
import { ReviewTasksRepository } from './review-tasks.repository.js';
import { ReviewTasksService } from './review-tasks.service.js';
import { StewardshipController } from './stewardship.controller.js';

/** The data steward's interface: the review queue and the link corrections (linkage does the writing). */
@Module({
  imports: [LinkageModule],
  controllers: [ReviewTasksController, StewardshipController],
  providers: [ReviewTasksRepository, ReviewTasksService],
  exports: [ReviewTasksService],
})
export class ReviewModule {}
