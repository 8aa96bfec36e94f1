import { Logger } from '@nestjs/common';
import Bull from 'bull';
import { Redis } from 'ioredis';
import { type FailedJob, type JobHandler, JobQueue, type QueueHealth } from './job-queue.js';

const HEALTH_TIMEOUT_MS = 1_500;

/**
 * Production mode: Bull queues on Redis. ioredis is told not to queue commands while
 * disconnected and to give up after one retry, so `add()` fails fast instead of hanging
 * when Redis is down (Bull's default waits for ever).
 */
export class BullJobQueue extends JobQueue {
  readonly mode = 'redis' as const;
  private readonly logger = new Logger('BullJobQueue');
  private readonly queues = new Map<string, Bull.Queue>();
  private lastError: string | null = null;
  private readonly stalled: FailedJob[] = [];
  private stalledCount = 0;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {
    super();
  }

  private queue(name: string): Bull.Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Bull(name, {
        prefix: this.prefix,
        // Bull's blocking/subscriber connections must retry for ever (Bull requires
        // maxRetriesPerRequest null there); the command connection gives up after one retry.
        createClient: (type, opts) =>
          new Redis(this.redisUrl, {
            ...opts,
            connectTimeout: 2_000,
            enableReadyCheck: false,
            maxRetriesPerRequest: type === 'client' ? 1 : null,
          }),
        defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 1_000, removeOnFail: 5_000 },
      });
      q.on('stalled', (job: Bull.Job) => {
        this.stalledCount++;
        this.stalled.unshift({ queue: name, jobId: String(job.id), state: 'stalled', attemptsMade: job.attemptsMade, reason: 'worker stopped while the job was active', at: new Date().toISOString() });
        this.stalled.length = Math.min(this.stalled.length, 100);
      });
      q.on('error', (e: Error) => {
        // Logged once per distinct error so a Redis outage does not flood the log.
        if (this.lastError !== e.message) this.logger.error({ queue: name, error: e.message }, 'queue error');
        this.lastError = e.message;
      });
      this.queues.set(name, q);
    }
    return q;
  }

  process<T>(queue: string, handler: JobHandler<T>, concurrency = 1): void {
    void this.queue(queue).process(concurrency, async (job: Bull.Job<T>) => handler(job.data));
  }

  async add<T>(queue: string, jobs: Array<{ data: T; jobId?: string }>): Promise<void> {
    await this.queue(queue).addBulk(jobs.map((j) => ({ data: j.data, opts: j.jobId ? { jobId: j.jobId } : {} })));
  }

  async health(): Promise<QueueHealth> {
    try {
      const queues = [...this.queues.values()];
      const client = queues[0]?.client ?? this.queue('health').client;
      await withTimeout(client.ping(), HEALTH_TIMEOUT_MS);
      const counts = await withTimeout(Promise.all(queues.map((q) => q.getJobCounts())), HEALTH_TIMEOUT_MS);
      const sum = (k: keyof Bull.JobCounts) => counts.reduce((n, c) => n + (c[k] ?? 0), 0);
      return { mode: this.mode, status: 'up', waiting: sum('waiting'), active: sum('active'), failed: sum('failed'), delayed: sum('delayed'), stalled: this.stalledCount };
    } catch {
      return { mode: this.mode, status: 'down' };
    }
  }

  async failedJobs(limit: number): Promise<FailedJob[]> {
    const failed = await Promise.all(
      [...this.queues.entries()].map(async ([name, q]) =>
        (await q.getFailed(0, limit - 1)).filter(Boolean).map((j): FailedJob => ({
          queue: name,
          jobId: String(j.id),
          state: 'failed',
          attemptsMade: j.attemptsMade,
          // Handlers throw errors without values in them; the first line only, all the same.
          reason: String(j.failedReason ?? '').split('\n')[0].slice(0, 200),
          at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        })),
      ),
    );
    return [...this.stalled, ...failed.flat()].slice(0, limit);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
