import type { DataSource, EntityManager } from 'typeorm';

/** PostgreSQL errors after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

/**
 * Runs `work` in one transaction, again (up to `attempts` times in all) when PostgreSQL
 * aborted it as a deadlock victim or a serialization failure: nothing of the aborted try
 * was committed, so running it again is safe.
 */
export async function runInTransaction<T>(dataSource: DataSource, work: (m: EntityManager) => Promise<T>, attempts = 4): Promise<T> {
  return retried(attempts, () => dataSource.transaction(work));
}

/**
 * `runInTransaction` whose first statement, `opening` (SQL without parameters, e.g. taking
 * advisory locks), travels with START TRANSACTION in one simple-protocol message: one round
 * trip less for a hot transaction. `work` runs once `opening` has finished, so its
 * statements' snapshots are taken after it (after the locks were granted).
 */
export async function runInTransactionOpenedBy<T>(
  dataSource: DataSource,
  opening: string,
  work: (m: EntityManager) => Promise<T>,
  attempts = 4,
): Promise<T> {
  return retried(attempts, async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query(`START TRANSACTION; ${opening}`);
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (e) {
      // The original error wins even if the rollback fails too (a broken connection).
      await runner.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
  });
}

async function retried<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
