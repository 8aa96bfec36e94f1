import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { BullJobQueue } from './bull-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import { JobQueue } from './job-queue.js';

/** Provides the JobQueue: Bull on Redis when REDIS_URL is set, else in-process. */
@Global()
@Module({})
export class JobsModule implements OnApplicationShutdown {
  constructor(@Inject(JobQueue) private readonly queue: JobQueue) {}

  static forRoot(config: AppConfig): DynamicModule {
    const queue = config.redis.url ? new BullJobQueue(config.redis.url, config.redis.keyPrefix) : new InProcessJobQueue();
    return { module: JobsModule, providers: [{ provide: JobQueue, useValue: queue }], exports: [JobQueue] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
