import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { JobQueue } from '../jobs/job-queue.js';
import { BlockingIndexService, type BlockingIndexState } from '../matching/blocking-index.service.js';

const DB_TIMEOUT_MS = 2_000;

export interface HealthReport {
  status: 'ok' | 'error';
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'disabled';
  mode: { database: AppConfig['database']['mode']; queue: AppConfig['redis']['mode'] };
  jobs: { waiting?: number; active?: number; failed?: number; delayed?: number; stalled?: number };
  /**
   * The blocking keys as this process last saw them: 'rebuilding' after a database server crash
   * (linking and matching answer 503 meanwhile; the locator does not need them).
   */
  blockingIndex: BlockingIndexState;
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly blockingIndex: BlockingIndexService,
  ) {}

  /** Each probe is bounded in time: a dead dependency makes this slow by seconds, never hang. */
  async check(): Promise<HealthReport> {
    const [database, queue] = await Promise.all([this.pingDatabase(), this.queue.health()]);
    const redis = queue.mode === 'in-process' ? 'disabled' : queue.status;
    const { waiting, active, failed, delayed, stalled } = queue;
    return {
      status: database === 'up' && redis !== 'down' ? 'ok' : 'error',
      database,
      redis,
      mode: { database: this.config.database.mode, queue: this.config.redis.mode },
      jobs: { waiting, active, failed, delayed, stalled },
      blockingIndex: this.blockingIndex.state,
    };
  }

  private async pingDatabase(): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), DB_TIMEOUT_MS);
        }),
      ]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }
}
