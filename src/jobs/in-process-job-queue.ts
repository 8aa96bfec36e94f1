import { Logger } from '@nestjs/common';
import { type FailedJob, type JobHandler, JobQueue, type QueueHealth } from './job-queue.js';

interface Lane {
  handler: JobHandler<unknown>;
  concurrency: number;
  running: number;
  pending: unknown[];
}

/** The embedded default: jobs run in this process, in order, with bounded concurrency. */
export class InProcessJobQueue extends JobQueue {
  readonly mode = 'in-process' as const;
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly lanes = new Map<string, Lane>();
  private failed = 0;
  private readonly recentFailures: FailedJob[] = [];
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  process<T>(queue: string, handler: JobHandler<T>, concurrency = 1): void {
    this.lanes.set(queue, { handler: handler as JobHandler<unknown>, concurrency, running: 0, pending: [] });
  }

  async add<T>(queue: string, jobs: Array<{ data: T; jobId?: string }>): Promise<void> {
    const lane = this.lanes.get(queue);
    if (!lane) throw new Error(`No handler registered for queue ${queue}`);
    if (this.closed) throw new Error('Job queue is closed');
    lane.pending.push(...jobs.map((j) => j.data));
    this.pump(queue, lane);
  }

  async health(): Promise<QueueHealth> {
    let waiting = 0;
    let active = 0;
    for (const lane of this.lanes.values()) {
      waiting += lane.pending.length;
      active += lane.running;
    }
    return { mode: this.mode, status: 'up', waiting, active, failed: this.failed };
  }

  async failedJobs(limit: number): Promise<FailedJob[]> {
    return this.recentFailures.slice(0, limit);
  }

  /** Resolves once every queued job has finished (tests, graceful shutdown). */
  async drain(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private isIdle(): boolean {
    return [...this.lanes.values()].every((l) => l.running === 0 && l.pending.length === 0);
  }

  private pump(queue: string, lane: Lane): void {
    while (lane.running < lane.concurrency && lane.pending.length > 0) {
      const data = lane.pending.shift();
      lane.running++;
      setImmediate(() => {
        lane
          .handler(data)
          .catch((e: unknown) => {
            this.failed++;
            this.recentFailures.unshift({ queue, jobId: String(this.failed), state: 'failed', attemptsMade: 1, reason: e instanceof Error ? e.name : typeof e, at: new Date().toISOString() });
            this.recentFailures.length = Math.min(this.recentFailures.length, 100);
            this.logger.error({ queue, errorClass: e instanceof Error ? e.name : typeof e }, 'job failed');
          })
          .finally(() => {
            lane.running--;
            this.pump(queue, lane);
            if (this.isIdle()) this.idleWaiters.splice(0).forEach((r) => r());
          });
      });
    }
  }
}
