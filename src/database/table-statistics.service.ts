import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type TableActivity, TableStatisticsRepository } from './table-statistics.repository.js';

/** How often the tables' activity is looked at. */
const CHECK_INTERVAL_MS = 15_000;

/**
 * The tables due for ANALYZE: by the rule autovacuum itself applies with its defaults
 * (autovacuum_analyze_threshold 50, autovacuum_analyze_scale_factor 0.1), more rows
 * modified since the last ANALYZE than 50 + 10% of the table; or, where no row counts are
 * kept (PGlite), a table grown by more than 8 pages (64 kB) + 10% since then.
 */
export function tablesDueForAnalyze(activity: readonly TableActivity[]): string[] {
  const due = (t: TableActivity) => t.modifiedSinceAnalyze > 50 + 0.1 * t.estimatedRows || t.pages > 8 + 1.1 * t.pagesAtAnalyze;
  return activity.filter(due).map((t) => t.table).sort();
}

/**
 * The tables due for VACUUM, by autovacuum's two default rules: more dead rows than 50 + 20% of
 * the table (autovacuum_vacuum_threshold, _scale_factor), or more rows inserted since the last
 * VACUUM than 1,000 + 20% of it (autovacuum_vacuum_insert_threshold, _scale_factor, PostgreSQL
 * 13+). The second is what an insert-only table needs: VACUUM sets the pages' all-visible bits,
 * without which an index-only scan (the blocks' read, `blocking_key_pkey`) fetches every heap
 * row anyway, and the first reader of each new row dirties its page with hint bits. Nothing is
 * due where no counts are kept (PGlite).
 */
export function tablesDueForVacuum(activity: readonly TableActivity[]): string[] {
  const due = (t: TableActivity) => t.deadRows > 50 + 0.2 * t.estimatedRows || t.insertedSinceVacuum > 1000 + 0.2 * t.estimatedRows;
  return activity.filter(due).map((t) => t.table).sort();
}

/**
 * Keeps the planner's statistics current when nothing else does: with autovacuum off (as on
 * this project's CI machines) or on the embedded PGlite (single-user: no background workers),
 * a table is never analyzed, the planner keeps the estimates of an empty database, and the
 * generic plans of the service's prepared statements, made on first use, are never made
 * again. An ANALYZE invalidates those plans, so the next execution is planned on real sizes.
 * The same pass vacuums the tables autovacuum would (`tablesDueForVacuum`), after analyzing.
 * With autovacuum on, it does this already and the service stays out of its way.
 */
@Injectable()
export class TableStatisticsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TableStatistics');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: TableStatisticsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.database.analyze === 'off') return;
    // PGlite reports autovacuum 'on' but runs no background workers.
    if (this.config.database.mode === 'postgres' && (await this.repository.autovacuumEnabled())) {
      this.logger.log('autovacuum is on: table statistics are left to it');
      return;
    }
    this.logger.log({ intervalMs: CHECK_INTERVAL_MS }, 'no autovacuum: the service analyzes its tables as they change');
    this.timer = setInterval(() => void this.analyzeDueTables(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Analyzes the tables due (one pass at a time per process, one process at a time); returns
   * the tables analyzed. Also called between the chunks of a batch load, whose growth outruns
   * the 15 s timer and autovacuum alike. Nothing with DATABASE_ANALYZE=off.
   */
  analyzeDueTables(): Promise<string[]> {
    if (this.config.database.analyze === 'off') return Promise.resolve([]);
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<string[]> {
    try {
      const activity = await this.repository.activity();
      const due = tablesDueForAnalyze(activity);
      const analyzed = due.length > 0 && (await this.repository.analyze(due));
      if (analyzed) this.logger.log({ tables: due }, 'tables analyzed');
      const vacuum = tablesDueForVacuum(activity);
      const t0 = performance.now();
      if (vacuum.length > 0 && (await this.repository.vacuum(vacuum))) this.logger.log({ tables: vacuum, ms: Math.round(performance.now() - t0) }, 'tables vacuumed');
      return analyzed ? due : [];
    } catch (e) {
      // Statistics are an optimization: a failed pass is logged (a code, never data) and the next one tries again.
      this.logger.warn({ code: (e as { code?: string }).code ?? 'unknown' }, 'analyzing tables failed');
      return [];
    }
  }
}
