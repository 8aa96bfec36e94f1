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

  it('tries a failed in-process job again after a back-off, as Bull does, then records it as failed for operators', async () => {
    const q = new InProcessJobQueue({ attempts: 3, backoffMs: 20 });
    const tries: Record<string, number> = {};
    q.process<{ id: string }>('test-retry', async ({ id }) => {
      tries[id] = (tries[id] ?? 0) + 1;
      if (id === 'never' || tries[id] < 3) throw Object.assign(new Error('Key (local_id)=(secret) already exists'), { code: '23505' });
    });
    const started = Date.now();
    await q.add('test-retry', [{ data: { id: 'third-time' } }, { data: { id: 'never' } }]);
    expect((await q.health()).failed).toBe(0);
    await q.drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40);
    expect(tries).toEqual({ 'third-time': 3, never: 3 });
    const health = await q.health();
    expect(health).toMatchObject({ failed: 1, waiting: 0, active: 0, delayed: 0 });
    const failed = await q.failedJobs(10);
    expect(failed).toEqual([expect.objectContaining({ queue: 'test-retry', state: 'failed', attemptsMade: 3, reason: 'Error 23505' })]);
    expect(JSON.stringify(failed)).not.toContain('secret');
    await q.close();
  });

  it('drops an in-process retry still waiting when it closes, instead of waiting for it', async () => {
    const q = new InProcessJobQueue({ attempts: 5, backoffMs: 60_000 });
    let tries = 0;
    q.process('test-close', async () => {
      tries++;
      throw new Error('down');
    });
    await q.add('test-close', [{ data: {} }]);
    for (let i = 0; i < 100 && (await q.health()).delayed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await q.health()).delayed).toBe(1);
    const started = Date.now();
    await q.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(tries).toBe(1);
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
