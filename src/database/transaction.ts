import type { DataSource, EntityManager } from 'typeorm';

/** PostgreSQL errors after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

/**
 * Runs `work` in one transaction, again (up to `attempts` times in all) when PostgreSQL
 * aborted it as a deadlock victim or a serialization failure: nothing of the aborted try
 * was committed, so running it again is safe.
 */
export async function runInTransaction<T>(dataSource: DataSource, work: (m: EntityManager) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
