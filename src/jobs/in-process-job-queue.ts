import { Logger } from '@nestjs/common';
import { errorReasonOf } from '../common/errors/error-code.js';
import { type FailedJob, type JobHandler, JobQueue, type QueueHealth } from './job-queue.js';

interface Job {
  data: unknown;
  /** Attempts made so far. */
  attempts: number;
}

interface Lane {
  handler: JobHandler<unknown>;
  concurrency: number;
  running: number;
  pending: Job[];
  /** Failed jobs waiting out their back-off before the next attempt. */
  delayed: Set<NodeJS.Timeout>;
}

export interface InProcessRetryOptions {
  /** Attempts in all, as Bull's `attempts` (default 5, as the Bull queues). */
  attempts?: number;
  /** The first back-off; it doubles after each failed attempt, as Bull's exponential back-off (default 1 s). */
  backoffMs?: number;
}

/**
 * The embedded default: jobs run in this process, in order, with bounded concurrency, and a
 * failed job is tried again after an exponential back-off as Bull does (the handlers are
 * idempotent), then recorded as failed for operators. Jobs do not outlive the process: on
 * start the owners of durable work (batch loads) queue again whatever is left.
 */
export class InProcessJobQueue extends JobQueue {
  readonly mode = 'in-process' as const;
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly lanes = new Map<string, Lane>();
  private readonly attempts: number;
  private readonly backoffMs: number;
  private failed = 0;
  private readonly recentFailures: FailedJob[] = [];
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(options: InProcessRetryOptions = {}) {
    super();
    this.attempts = options.attempts ?? 5;
    this.backoffMs = options.backoffMs ?? 1_000;
  }

  process<T>(queue: string, handler: JobHandler<T>, concurrency = 1): void {
    this.lanes.set(queue, { handler: handler as JobHandler<unknown>, concurrency, running: 0, pending: [], delayed: new Set() });
  }

  async add<T>(queue: string, jobs: Array<{ data: T; jobId?: string }>): Promise<void> {
    const lane = this.lanes.get(queue);
    if (!lane) throw new Error(`No handler registered for queue ${queue}`);
    if (this.closed) throw new Error('Job queue is closed');
    lane.pending.push(...jobs.map((j) => ({ data: j.data, attempts: 0 })));
    this.pump(queue, lane);
  }

  async health(): Promise<QueueHealth> {
    let waiting = 0;
    let active = 0;
    let delayed = 0;
    for (const lane of this.lanes.values()) {
      waiting += lane.pending.length;
      active += lane.running;
      delayed += lane.delayed.size;
    }
    return { mode: this.mode, status: 'up', waiting, active, delayed, failed: this.failed };
  }

  async failedJobs(limit: number): Promise<FailedJob[]> {
    return this.recentFailures.slice(0, limit);
  }

  /** Resolves once every queued job has finished, retries included (tests, graceful shutdown). */
  async drain(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs, drops the retries still waiting (their owners resume them on start) and waits for the running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      lane.delayed.forEach((t) => clearTimeout(t));
      lane.delayed.clear();
    }
    await this.drain();
  }

  private isIdle(): boolean {
    return [...this.lanes.values()].every((l) => l.running === 0 && l.pending.length === 0 && l.delayed.size === 0);
  }

  private pump(queue: string, lane: Lane): void {
    while (lane.running < lane.concurrency && lane.pending.length > 0) {
      const job = lane.pending.shift()!;
      lane.running++;
      setImmediate(() => {
        job.attempts++;
        lane
          .handler(job.data)
          .catch((e: unknown) => this.failedAttempt(queue, lane, job, e))
          .finally(() => {
            lane.running--;
            this.pump(queue, lane);
            this.wakeIfIdle();
          });
      });
    }
  }

  private failedAttempt(queue: string, lane: Lane, job: Job, e: unknown): void {
    const reason = errorReasonOf(e);
    if (job.attempts < this.attempts && !this.closed) {
      const delay = this.backoffMs * 2 ** (job.attempts - 1);
      this.logger.warn({ queue, attempt: job.attempts, reason, retryInMs: delay }, 'job attempt failed');
      // close() clears the timers still waiting: one that fires finds the queue open.
      const timer = setTimeout(() => {
        lane.delayed.delete(timer);
        lane.pending.push(job);
        this.pump(queue, lane);
      }, delay);
      lane.delayed.add(timer);
      return;
    }
    this.failed++;
    this.recentFailures.unshift({ queue, jobId: String(this.failed), state: 'failed', attemptsMade: job.attempts, reason, at: new Date().toISOString() });
    this.recentFailures.length = Math.min(this.recentFailures.length, 100);
    this.logger.error({ queue, attempts: job.attempts, reason }, 'job failed');
  }

  private wakeIfIdle(): void {
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((r) => r());
  }
}
