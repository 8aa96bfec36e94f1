/** A background job handler: the same function runs on Bull workers or in-process. */
export type JobHandler<T> = (data: T) => Promise<void>;

export interface QueueHealth {
  mode: 'redis' | 'in-process';
  status: 'up' | 'down';
  waiting?: number;
  active?: number;
  failed?: number;
  delayed?: number;
  /** Jobs Bull found stalled (their worker died or hung) since this process started. */
  stalled?: number;
}

/** A job that failed (or stalled), for operators: ids and counts only, never job data (PHI). */
export interface FailedJob {
  queue: string;
  jobId: string;
  state: 'failed' | 'stalled';
  attemptsMade: number;
  reason: string;
  at: string | null;
}

/**
 * Background work, independent of where it runs. With REDIS_URL the jobs go to Bull queues
 * (any number of worker processes); without it they run in this process, one queue at a
 * time per name, with the same handlers.
 */
export abstract class JobQueue {
  abstract readonly mode: 'redis' | 'in-process';
  /** Registers the handler for jobs of this queue; call once per queue at module init. */
  abstract process<T>(queue: string, handler: JobHandler<T>, concurrency?: number): void;
  /** Enqueues jobs; rejects quickly (never hangs) when the queue backend is unreachable. */
  abstract add<T>(queue: string, jobs: Array<{ data: T; jobId?: string }>): Promise<void>;
  abstract health(): Promise<QueueHealth>;
  /** The most recent failed and stalled jobs of every queue this process knows. */
  abstract failedJobs(limit: number): Promise<FailedJob[]>;
  abstract close(): Promise<void>;
}
