import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/scopes.js';
import { assertOrganizationAccess } from '../auth/auth.guard.js';
import { JobQueue } from '../jobs/job-queue.js';
import { BatchError } from './batch.errors.js';
import { BatchLoadRepository, type BatchLoadView, type RowError } from './batch-load.repository.js';

const ERROR_PAGE = 2_000;

/** Reads of batch loads: progress, the error report, and the job queue's failures. */
@Injectable()
export class BatchLoadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly loads: BatchLoadRepository,
    private readonly queue: JobQueue,
  ) {}

  async get(id: string, principal: Principal): Promise<BatchLoadView> {
    const load = await this.loads.findLoad(id, this.dataSource.manager);
    if (!load) throw BatchError.loadNotFound();
    assertOrganizationAccess(principal, load.organizationId);
    return load;
  }

  /** The error report, page by page (row order), so a million bad rows never sit in memory. */
  async *errors(id: string, principal: Principal): AsyncGenerator<RowError> {
    await this.get(id, principal);
    let after = 0;
    for (;;) {
      const page = await this.loads.errorsPage(id, after, ERROR_PAGE, this.dataSource.manager);
      yield* page;
      if (page.length < ERROR_PAGE) return;
      after = page[page.length - 1].row;
    }
  }

  async jobs(limit: number) {
    const [health, failed] = await Promise.all([this.queue.health(), this.queue.failedJobs(limit)]);
    return { queue: health, failed };
  }
}
