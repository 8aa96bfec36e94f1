import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { ResolveReviewTaskDto, ReviewTaskParams, ReviewTaskQueryDto } from './dto/review.dto.js';
import { ReviewTasksService } from './review-tasks.service.js';

@ApiTags('stewardship')
@ApiBearerAuth()
@RequireScopes('steward')
@Controller('api/v1/review-tasks')
export class ReviewTasksController {
  constructor(private readonly reviews: ReviewTasksService) {}

  /** The queue: probable before possible, oldest first (closed tasks: latest closed first). */
  @Get()
  list(@Query() q: ReviewTaskQueryDto, @CurrentActor() actor: Actor) {
    return this.reviews.list(
      { status: q.status ?? 'open', organizationId: q.organizationId, grade: q.grade },
      { limit: q.limit ?? 20, cursor: q.cursor },
      actor,
    );
  }

  @Get(':id')
  get(@Param() p: ReviewTaskParams, @CurrentActor() actor: Actor) {
    return this.reviews.get(p.id, actor);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  resolve(@Param() p: ReviewTaskParams, @Body() body: ResolveReviewTaskDto, @CurrentActor() actor: Actor) {
    return this.reviews.resolve(p.id, body.decision, body.note ?? null, actor);
  }
}
