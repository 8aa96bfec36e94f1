import type { AppConfig } from '../config/app-config.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

export interface DatabaseRuntime {
  /** The configuration with `database.url` resolved (embedded: the PGlite socket's URL). */
  config: AppConfig;
  stop(): Promise<void>;
}

/** Starts the embedded PostgreSQL when no DATABASE_URL is configured; otherwise does nothing. */
export async function startDatabaseRuntime(config: AppConfig): Promise<DatabaseRuntime> {
  if (config.database.mode === 'postgres') return { config, stop: async () => {} };
  // One socket connection more than the pool, so a pool refill never meets a refusal.
  const embedded = await EmbeddedPostgres.start(config.database.dataDir, config.database.poolSize + 1);
  return {
    config: { ...config, database: { ...config.database, url: embedded.url } },
    stop: () => embedded.stop(),
  };
}
