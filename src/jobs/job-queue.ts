/** A background job handler: the same function runs on Bull workers or in-process. */
export type JobHandler<T> = (data: T) => Promise<void>;

export interface QueueHealth {
  mode: 'redis' | 'in-process';
  status: 'up' | 'down';
  waiting?: number;
  active?: number;
  failed?: number;
  delayed?: number;
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
  abstract close(): Promise<void>;
}
