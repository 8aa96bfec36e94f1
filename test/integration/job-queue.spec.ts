import { describe, expect, it } from 'vitest';
import { BullJobQueue } from '../../src/jobs/bull-job-queue.js';
import { InProcessJobQueue } from '../../src/jobs/in-process-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

async function runsJobs(queue: JobQueue, waitDone: () => Promise<void>) {
  const seen: number[] = [];
  queue.process<{ n: number }>('test-sum', async ({ n }) => {
    seen.push(n);
  }, 2);
  await queue.add('test-sum', [1, 2, 3, 4].map((n) => ({ data: { n } })));
  await waitDone();
  return seen.sort();
}

describe('JobQueue', () => {
  it('runs handlers in-process without Redis', async () => {
    const q = new InProcessJobQueue();
    expect(await runsJobs(q, () => q.drain())).toEqual([1, 2, 3, 4]);
    expect((await q.health()).status).toBe('up');
    await q.close();
  });

  it('runs the same handlers through Bull on Redis', async () => {
    const q = new BullJobQueue(TEST_REDIS_URL, `mpi-test-${process.pid}-${Date.now()}`);
    const seen = await runsJobs(q, async () => {
      for (let i = 0; i < 100 && (await q.health()).waiting! + (await q.health()).active! > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(await q.health()).toMatchObject({ mode: 'redis', status: 'up' });
    await q.close();
  });

  it('fails fast instead of hanging when Redis is unreachable', async () => {
    const q = new BullJobQueue('redis://127.0.0.1:6399/0', 'mpi-test-down');
    const started = Date.now();
    await expect(q.add('test-down', [{ data: { n: 1 } }])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await q.health()).status).toBe('down');
    await q.close();
  });
});
