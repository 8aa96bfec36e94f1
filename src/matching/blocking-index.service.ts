import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { runInTransaction } from '../database/transaction.js';
import { blockingKeys, type CompiledRuleSet, type NormalizedRecord } from './engine/index.js';
import { BlockingIndexRepository } from './blocking-index.repository.js';
import { RULE_SET } from './rule-set.provider.js';

/** How often each process looks at the marker (a database server restart empties it). */
const CHECK_INTERVAL_MS = 5_000;
/** How often `untilComplete` looks again. */
const UNTIL_COMPLETE_POLL_MS = 1_000;
/** Records read, keyed and inserted at a time by a rebuild. */
const REBUILD_PAGE = 5_000;

export type BlockingIndexState = 'unknown' | 'complete' | 'rebuilding';

export interface RebuildResult {
  records: number;
  keys: number;
  ms: number;
}

/**
 * Keeps the blocking keys complete. They are unlogged (migration BlockingKeyUnlogged): after a
 * crash of the database server PostgreSQL empties them and their marker, and a standby has
 * neither. Every transaction that reads keys to link or search asks the marker in its own
 * snapshot first (the candidate statement, a chunk's read, a steward's locks) and answers 503
 * `BLOCKING_INDEX_REBUILDING` without it, so no record is linked as new for want of its
 * candidates. This service looks at the marker at start-up and every few seconds, and when it
 * is gone computes every active record's keys again from its stored normalized form with the
 * active rule set (`blockingKeys`, as a feed does), in one transaction that locks the keys
 * against every reader and writer, then sets the marker. Several processes may start a
 * rebuild at once: the first to get the lock rebuilds, the others find the marker set.
 */
@Injectable()
export class BlockingIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BlockingIndex');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RebuildResult | null> | null = null;
  private known: BlockingIndexState = 'unknown';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: BlockingIndexRepository,
    @Inject(RULE_SET) private readonly ruleSet: CompiledRuleSet,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a rebuild at a million records takes minutes, and the service answers
    // meanwhile (the locator needs no keys; linking answers 503 until the keys are back).
    void this.check();
    this.watch(true);
  }

  onApplicationShutdown(): void {
    this.watch(false);
  }

  /** Starts (or stops) looking at the marker every few seconds. */
  watch(on: boolean): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!on) return;
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** What this process last saw: 'rebuilding' while its own rebuild runs. */
  get state(): BlockingIndexState {
    return this.known;
  }

  /** Looks at the marker, and rebuilds the keys when it is gone. Never throws (logs a code). */
  async check(): Promise<void> {
    try {
      if (this.running) return;
      if (await this.repository.isComplete(this.dataSource.manager)) {
        this.known = 'complete';
        return;
      }
      // Gone: this process rebuilds, or waits for the one that holds the lock.
      this.known = 'rebuilding';
      await this.rebuild();
    } catch (e) {
      this.logger.warn({ code: (e as { code?: string }).code ?? 'unknown' }, 'checking the blocking index failed');
    }
  }

  /** Resolves once the keys are complete, rebuilding them if need be (looks every second). */
  async untilComplete(): Promise<void> {
    for (;;) {
      if (await this.repository.isComplete(this.dataSource.manager)) return;
      void this.check();
      await new Promise((r) => setTimeout(r, UNTIL_COMPLETE_POLL_MS));
    }
  }

  /**
   * Rebuilds the keys unless they are complete (one rebuild at a time per process); null when
   * there was nothing to do. `force`: rebuild complete keys too, e.g. with the blocking rules of
   * a new rule set (`npm run keys:rebuild`): readers wait on the lock meanwhile, none sees a gap.
   */
  rebuild(options: { force?: boolean } = {}): Promise<RebuildResult | null> {
    this.running ??= this.runRebuild(options.force === true).finally(() => (this.running = null));
    return this.running;
  }

  private async runRebuild(force: boolean): Promise<RebuildResult | null> {
    const t0 = performance.now();
    const result = await runInTransaction(this.dataSource, async (m) => {
      await this.repository.lockForRebuild(m);
      // Another process may have rebuilt them while this one waited for the lock.
      if (!force && (await this.repository.isComplete(m))) return null;
      this.known = 'rebuilding';
      if (force) this.logger.log('rebuilding the blocking keys with the active rule set');
      else this.logger.warn('blocking keys incomplete (the database server restarted after a crash, or a standby was promoted): rebuilding them');
      await this.repository.deleteAll(m);
      let after: string | null = null;
      let records = 0;
      let keys = 0;
      for (;;) {
        const page = await this.repository.activeRecordsAfter(after, REBUILD_PAGE, m);
        if (!page.length) break;
        const keyColumn: string[] = [];
        const idColumn: string[] = [];
        for (const r of page) {
          // blockingKeys deduplicates: a record's keys are distinct.
          for (const k of blockingKeys(JSON.parse(r.normalizedText) as NormalizedRecord, this.ruleSet)) {
            keyColumn.push(k);
            idColumn.push(r.id);
          }
        }
        await this.repository.insertKeys(keyColumn, idColumn, m);
        records += page.length;
        keys += keyColumn.length;
        after = page[page.length - 1].id;
      }
      await this.repository.markComplete(m);
      return { records, keys };
    }).catch((e: unknown) => {
      this.known = 'unknown';
      throw e;
    });
    this.known = 'complete';
    if (!result) return null;
    const rebuilt = { ...result, ms: Math.round(performance.now() - t0) };
    this.logger.log(rebuilt, 'blocking keys rebuilt');
    return rebuilt;
  }
}
