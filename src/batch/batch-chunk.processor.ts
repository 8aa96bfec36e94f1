import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CpuSlicer, holdBatchLock } from '../common/cpu-slices.js';
import { errorCodeOf, errorReasonOf } from '../common/errors/error-code.js';
import { PhaseTimer } from '../common/phase-timer.js';
import { TableStatisticsService } from '../database/table-statistics.service.js';
import { runInTransaction } from '../database/transaction.js';
import { validateDemographics } from '../identities/demographics.validation.js';
import { JobQueue } from '../jobs/job-queue.js';
import { type ChunkPreread, ChunkLinkageService, type ChunkRecordInput } from '../linkage/chunk-linkage.service.js';
import { contentHashOf } from '../linkage/feed.service.js';
import type { Demographics } from '../matching/engine/index.js';
import { BlockingIndexService } from '../matching/blocking-index.service.js';
import { MatchingService } from '../matching/matching.service.js';
import { type BatchCounts, BatchLoadRepository, type ChunkRow, type RowError } from './batch-load.repository.js';
import { csvRowToRecord, ndjsonLineToRecord } from './batch-rows.js';
import { BATCH_QUEUE, type ChunkJob, chunkJobId, MAX_CHUNK_ATTEMPTS } from './batch-queue.js';

/** A chunk reads its blocks before the lock once the chunk this many places before it is linking. */
const PREREAD_AHEAD = 2;
/** How often a chunk looks whether the chunks before it are done, and when it links them itself. */
const TURN_POLL_MS = 20;
const HELP_AFTER_MS = 5_000;

/**
 * Runs one stored chunk: validates its rows exactly as the feed validates a body, links the
 * valid ones set-based (ChunkLinkageService), stores the bad ones in the error report, and
 * marks the chunk done with its counts, all in one transaction. A crash rolls the whole
 * chunk back; a chunk that is done already is skipped, so a retried or duplicated job
 * changes nothing. The same handler runs on Bull workers and in-process.
 */
@Injectable()
export class BatchChunkProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('BatchChunks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly loads: BatchLoadRepository,
    private readonly linker: ChunkLinkageService,
    private readonly matching: MatchingService,
    private readonly audit: AuditService,
    private readonly queue: JobQueue,
    private readonly statistics: TableStatisticsService,
    private readonly blockingIndex: BlockingIndexService,
  ) {}

  onModuleInit(): void {
    this.queue.process<ChunkJob>(BATCH_QUEUE, (job) => this.run(job), this.config.batch.concurrency);
  }

  /** Resumes what a stopped process left: pending chunks of unfinished loads are queued again. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.resume();
    } catch (e) {
      this.logger.error({ errorClass: e instanceof Error ? e.name : typeof e }, 'could not resume batch loads');
    }
  }

  async resume(): Promise<number> {
    const m = this.dataSource.manager;
    const pending = await this.loads.findPendingChunks(m);
    // In-process jobs died with their process; Bull keeps queued ones (same id: ignored), but
    // a chunk whose attempt was cut short gets a new id so it need not wait for Bull's stall check.
    const stamp = Date.now().toString(36);
    const jobs = pending.map((c) => ({
      data: { loadId: c.loadId, seq: c.seq },
      jobId: chunkJobId(c.loadId, c.seq, this.queue.mode === 'in-process' || c.attempts > 0 ? `r${stamp}` : undefined),
    }));
    if (jobs.length) await this.queue.add<ChunkJob>(BATCH_QUEUE, jobs);
    for (const loadId of await this.loads.findUnfinishedWithoutPending(m)) await this.finish(loadId);
    if (jobs.length) this.logger.log({ chunks: jobs.length }, 'resumed batch chunks');
    return jobs.length;
  }

  async run({ loadId, seq }: ChunkJob): Promise<void> {
    for (;;) {
      // A rebuild of the blocking keys (after a database server crash) takes minutes at scale:
      // wait for it here rather than spend the chunk's attempts on 503s. A check that fails
      // (database down) lets the attempt run and fail as before.
      await this.blockingIndex.untilComplete().catch(() => undefined);
      const attempt = await this.loads.startAttempt(loadId, seq, this.dataSource.manager);
      if (attempt === null) break;
      if (attempt > MAX_CHUNK_ATTEMPTS) {
        await this.loads.failChunk(loadId, seq, 'too-many-attempts', this.dataSource.manager);
        this.logger.error({ loadId, seq }, 'batch chunk failed for good');
        break;
      }
      try {
        await this.processOnce(loadId, seq);
        break;
      } catch (e) {
        const code = errorCode(e);
        this.logger.warn({ loadId, seq, attempt, errorCode: code }, 'batch chunk attempt failed');
        // Bull retries with back-off; in-process, this loop does. Only a code: messages may quote values.
        if (this.queue.mode === 'redis') throw new Error(`chunk ${seq} of load ${loadId} failed: ${code}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    await this.finish(loadId);
  }

  /**
   * Chunks of one load link in file order (each sees every earlier row, as one-by-one feeding
   * would): a chunk prepares in parallel with its neighbours, then waits for its turn. When an
   * earlier chunk stays pending a while (its job died, or waits behind this one for a worker
   * slot), this job links that chunk itself first: whichever job gets there first does it,
   * the other finds it done. So no chunk waits on Bull's ordering or stall checks.
   */
  private async processOnce(loadId: string, seq: number): Promise<void> {
    const timer = new PhaseTimer();
    const chunk = await this.loads.readPendingChunk(loadId, seq, this.dataSource.manager);
    if (!chunk) return;
    timer.lap('readChunk');
    const { valid, errors } = await this.prepare(chunk);
    timer.lap('prepare');
    const actor: Actor = { clientId: chunk.actorClientId ?? 'batch', organizationId: chunk.organizationId, scopes: [], requestId: chunk.requestId ?? '' };
    let pre: ChunkPreread | null = null;
    /** The first pending chunk when `pre` was read. */
    let readAt = 0;
    let waitingSince = Date.now();
    for (;;) {
      const first = await this.loads.firstPendingSeq(loadId, this.dataSource.manager);
      if (first === null || first > seq) return;
      if (pre === null && valid.length && first >= seq - PREREAD_AHEAD) {
        // Blocks and candidates are read (and compared) in one snapshot before the lock,
        // while the chunks just before this one link; under the lock only what was written
        // since is read (so not too early: that would grow with every chunk in between).
        timer.lap('waitTurn');
        readAt = first;
        pre = await this.dataSource.transaction('REPEATABLE READ', (m) => this.linker.preread(chunk.organizationId, valid, m, { snapshot: true, timer }));
        continue;
      }
      if (pre !== null && readAt < seq - 1 && first === seq - 1) {
        // Read while a chunk two or more before this one was linking: catch up with what those
        // wrote now, while the one just before links, so that under the lock only its rows remain.
        readAt = first;
        timer.lap('waitTurn');
        const p = pre;
        await this.dataSource.transaction('REPEATABLE READ', (m) => this.linker.catchUpEarly(chunk.organizationId, p, m, timer));
        timer.lap('catchUpEarly');
        continue;
      }
      // With the chunk just before this one linking, this one opens its transaction and writes
      // its new rows' keys meanwhile, then waits in it for its turn (insertKeysEarly). Not on
      // the embedded PGlite: its one backend session serves every connection, and a connection
      // inside a transaction holds the others' queries until it ends (pglite-socket), so a
      // transaction that waits for another chunk's commit would wait forever.
      const overlap = this.config.database.mode === 'postgres' && pre !== null && first === seq - 1 && readAt >= seq - 1;
      if (first < seq && !overlap) {
        if (Date.now() - waitingSince > HELP_AFTER_MS) {
          await this.help(loadId, first);
          waitingSince = Date.now();
        } else {
          await new Promise((r) => setTimeout(r, TURN_POLL_MS));
        }
        continue;
      }
      timer.lap('waitTurn');
      // The records this chunk makes active count in the index size from just before its
      // COMMIT (the next chunk may take the batch lock the moment it commits, and must score
      // with them, as the one-by-one feed would); settled once the commit is known.
      let pending = 0;
      const settle = (committed: boolean) => {
        this.matching.settleRecordsActivated(pending, committed);
        pending = 0;
      };
      let done: boolean;
      // From here to the COMMIT this chunk is the load's critical path: the other chunks of
      // this process cut their CPU work into short slices meanwhile (cpu-slices.ts).
      const release = holdBatchLock();
      try {
        done = await runInTransaction(this.dataSource, async (m) => {
          if (pending) settle(false); // the attempt before this one did not commit
          this.linker.countSettled(false);
          let activated = 0;
          if (!(await this.loads.lockPendingChunk(loadId, seq, m))) return true;
          // The new rows' keys go in while the chunk before this one still links.
          const early = pre ? await this.linker.insertKeysEarly(valid, pre, m) : new Map<string, string>();
          timer.lap('earlyKeys');
          if (overlap) await this.awaitTurnInside(loadId, seq);
          timer.lap('waitTurnInside');
          await this.linker.lockForChunk(m);
          timer.lap('lock');
          // Checked again under the batch lock: an earlier chunk may have been re-queued.
          if (await this.loads.hasEarlierPending(loadId, seq, m)) {
            await this.linker.dropEarlyKeys(early, m);
            return false;
          }
          const outcomes = await this.linker.linkChunk(chunk.organizationId, valid, pre, actor, m, timer, early);
          const counts: Omit<BatchCounts, 'rows'> = { created: 0, updated: 0, unchanged: 0, linked: 0, review: 0, rejected: errors.length };
          for (const o of outcomes) {
            if (o.activated) activated++;
            counts[o.record]++;
            if (o.decision === 'linked') counts.linked++;
            if (o.decision === 'review') counts.review++;
          }
          await this.loads.completeChunk(loadId, seq, counts, errors, m);
          timer.lap('complete');
          pending = activated;
          this.matching.recordsActivatedPending(pending);
          return true;
        });
      } catch (e) {
        if (pending) settle(false);
        this.linker.countSettled(false);
        throw e;
      } finally {
        release();
      }
      if (pending) settle(true);
      this.linker.countSettled(true);
      if (done) {
        timer.lap('commit');
        this.logger.debug({ loadId, seq, rows: chunk.payload.length, ...timer.summary(), memory: memoryMb() }, 'batch chunk timings');
        this.maintainAfter(seq);
        return;
      }
    }
  }

  /**
   * After chunks 3, 10 and every 100th of a load, an analyzer pass in the background
   * (TableStatisticsService: the tables that grew past autovacuum's rule, one process at a
   * time, nothing with DATABASE_ANALYZE=off); chunks go on meanwhile. A load of a million rows
   * outruns autovacuum and the service's 15 s timer alike, and the planner would otherwise plan
   * the growing tables with an empty database's estimates. The same pass vacuums what
   * autovacuum's insert rule would (1,000 + 20% of a table inserted since its last VACUUM), so
   * each VACUUM covers the pages added since the one before (under 1.5 s each at 300,000
   * records); pages written while chunks hold snapshots are marked all-visible by a later one.
   * (One VACUUM of blocking_key late in a load, tried before, ran for three minutes beside it.)
   * Only on a real PostgreSQL (the embedded one serves one session).
   */
  private maintainAfter(seq: number): void {
    if (this.config.database.mode !== 'postgres') return;
    if (seq + 1 !== 3 && seq + 1 !== 10 && (seq + 1) % 100 !== 0) return;
    void this.statistics.analyzeDueTables();
  }

  /**
   * Waits, inside the chunk's open transaction, until every earlier chunk is done, linking a
   * stuck one itself as the outer loop would (its own transactions: this one holds only its
   * chunk row and its uncommitted keys, which no other chunk needs).
   */
  private async awaitTurnInside(loadId: string, seq: number): Promise<void> {
    let since = Date.now();
    for (;;) {
      const first = await this.loads.firstPendingSeq(loadId, this.dataSource.manager);
      // This chunk is pending (its row is locked by this transaction): first ≤ seq.
      if (first === null || first >= seq) return;
      if (Date.now() - since > HELP_AFTER_MS) {
        await this.help(loadId, first);
        since = Date.now();
      } else {
        await new Promise((r) => setTimeout(r, TURN_POLL_MS));
      }
    }
  }

  /** Links an earlier chunk for its missing job: one attempt, counted like its own job's. */
  private async help(loadId: string, seq: number): Promise<void> {
    const attempt = await this.loads.startAttempt(loadId, seq, this.dataSource.manager);
    if (attempt === null) return;
    if (attempt > MAX_CHUNK_ATTEMPTS) {
      await this.loads.failChunk(loadId, seq, 'too-many-attempts', this.dataSource.manager);
      return;
    }
    try {
      await this.processOnce(loadId, seq);
    } catch (e) {
      this.logger.warn({ loadId, seq, attempt, errorCode: errorCode(e) }, 'batch chunk attempt failed');
    }
  }

  /**
   * Validation exactly as the feed's (the same DTO and rules), then normalization and blocking.
   * It yields every few milliseconds (every millisecond while another chunk of this process
   * holds the batch lock: its statements must not wait behind this CPU work).
   */
  private async prepare(chunk: ChunkRow): Promise<{ valid: ChunkRecordInput[]; errors: RowError[] }> {
    const valid: ChunkRecordInput[] = [];
    const errors: RowError[] = [];
    const slicer = new CpuSlicer();
    for (const [i, raw] of chunk.payload.entries()) {
      if (slicer.due()) await slicer.yield();
      const row = chunk.firstRow + i;
      const parsed = chunk.format === 'csv' ? csvRowToRecord(chunk.columns ?? [], raw as Array<string | null>) : ndjsonLineToRecord(raw as string | null);
      const checked = parsed.errors.length ? null : validateDemographics(parsed.demographics);
      const fieldErrors = parsed.errors.length
        ? parsed.errors
        : checked!.errors.map((e) => (chunk.format === 'ndjson' ? { ...e, field: `demographics.${e.field}` } : e));
      if (fieldErrors.length || !parsed.localId) {
        errors.push({ row, localId: parsed.localId, errors: fieldErrors });
        continue;
      }
      // A valid row's plain object is what toDemographics(dto) gives (no undefined members,
      // nothing transformed: batch-rows.spec.ts checks it), without its class round trip.
      const demographics = parsed.demographics as Demographics;
      valid.push({ row, localId: parsed.localId, demographics, prepared: this.matching.prepare(demographics), contentHash: contentHashOf(demographics) });
    }
    return { valid, errors };
  }

  /** Completes the load once no chunk is pending, with its one "finish" audit event. */
  private async finish(loadId: string): Promise<void> {
    let finished = false;
    await runInTransaction(this.dataSource, async (m: EntityManager) => {
      const status = await this.loads.finishIfDone(loadId, m);
      if (!status) return;
      const load = (await this.loads.findLoad(loadId, m))!;
      await this.audit.record(
        {
          action: 'batch-load.finish',
          outcome: status === 'completed' ? 'success' : 'failure',
          actor: { organizationId: load.organizationId },
          targetType: 'batch-load',
          targetIds: [loadId],
          resultCount: load.counts.rows,
          details: { organizationId: load.organizationId, status, counts: load.counts, chunks: load.chunks },
        },
        m,
      );
      this.logger.log({ loadId, status, rows: load.counts.rows }, 'batch load finished');
      finished = true;
    });
    // Once the load is over (not after each chunk: the chunks count on from each other's exact count).
    if (finished) this.matching.invalidateRecordCount();
  }
}

/** A PostgreSQL SQLSTATE or the error class: never the message (it may quote values). */
function errorCode(e: unknown): string {
  return errorCodeOf(e) ?? errorReasonOf(e);
}

/** This process's heap in use and resident set (MB), for the debug timings line. */
function memoryMb(): { heapUsed: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: Math.round(m.heapUsed / 1048576), rss: Math.round(m.rss / 1048576) };
}
