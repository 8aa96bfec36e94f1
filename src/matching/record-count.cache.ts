import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

const TTL_MS = 10_000;
/** A batch chunk's exact count (`ExactCountBase`) is taken in full again after this long. */
const EXACT_TTL_MS = 30_000;

/**
 * The exact number of active records as of `snapshot` (a pg_snapshot taken under the batch
 * lock) plus what the transaction `xid` that took it wrote after it (a batch chunk's own
 * rows), committed: the next chunk of this process counts from it (ChunkLinkageService).
 * `takenAt`: when the count was last taken in full (ms).
 */
export interface ExactCountBase {
  n: number;
  snapshot: string;
  xid: string;
  /** The table's file node: a TRUNCATE (tests) gives it a new one, and the base no longer holds. */
  file: string;
  takenAt: number;
}

/**
 * The number of active source records, for the prior (λ follows the index size) and term
 * frequencies. Counting a million rows per request would cost more than it is worth, so the
 * count is read at most every 10 s, and the records this process creates and retires in
 * between are added to it as their transactions commit (`add`). A single feeder thus sees
 * the exact index size whatever its speed (the decisions of a load do not depend on how fast
 * it runs); what other processes write shows at the next read. Every decision stores the
 * prior it used, so it stays reproducible.
 */
@Injectable()
export class RecordCountCache {
  private value = 0;
  /** Records created minus retired by this process since `value` was read. */
  private delta = 0;
  /** Records of transactions counted before their COMMIT (`addPending`), not yet settled. */
  private pending = 0;
  /** Pending counts settled (committed or not): a count read meanwhile may or may not hold them. */
  private settled = 0;
  private fetchedAt = 0;
  private inflight: Promise<number> | null = null;
  private exact: ExactCountBase | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Pass the transaction's manager when inside one (PGlite blocks other connections meanwhile). */
  async get(m: EntityManager = this.dataSource.manager): Promise<number> {
    if (Date.now() - this.fetchedAt < TTL_MS) return this.value + this.delta + this.pending;
    this.inflight ??= this.refresh(m).finally(() => (this.inflight = null));
    return this.inflight;
  }

  /**
   * The count as known, without reading the table. `get` reads it inside the caller's
   * transaction: that must be one whose snapshot is fresh (READ COMMITTED, or taken just
   * now), or the records committed since its snapshot would be subtracted without being counted.
   */
  peek(): number {
    return this.value + this.delta + this.pending;
  }

  /** Call after a commit that made `n` records active (negative: retired them). */
  add(n: number): void {
    this.delta += n;
  }

  /**
   * Counts `n` records of a transaction that has not committed yet, so that the next
   * transaction of this process sees them the moment it gets the lock this one releases at
   * COMMIT (a batch chunk: the next chunk takes the batch lock then). `settle` follows once
   * the COMMIT has succeeded or failed.
   */
  addPending(n: number): void {
    this.pending += n;
  }

  settle(n: number, committed: boolean): void {
    this.pending -= n;
    if (committed) this.delta += n;
    this.settled++;
  }

  /** Forget the cached value (tests, and after a bulk load). */
  invalidate(): void {
    this.fetchedAt = 0;
    this.exact = null;
  }

  /** The last batch chunk's exact count, unless it is older than EXACT_TTL_MS or forgotten (`invalidate`). */
  exactBase(): ExactCountBase | null {
    return this.exact !== null && Date.now() - this.exact.takenAt < EXACT_TTL_MS ? this.exact : null;
  }

  setExactBase(base: ExactCountBase | null): void {
    this.exact = base;
  }

  private async refresh(m: EntityManager): Promise<number> {
    // Changes committed while the count runs may or may not be in it: at most a few off for
    // single records. A pending batch (hundreds of records) is not risked: while one is
    // pending, or when one settled during the count, the count is not taken (the next call
    // tries again) and the value counted so far stands.
    const before = this.delta;
    const settled = this.settled;
    if (this.pending === 0) {
      const rows: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`);
      if (this.pending === 0 && this.settled === settled) {
        this.value = rows[0].n;
        this.delta -= before;
        this.fetchedAt = Date.now();
      }
    }
    return this.value + this.delta + this.pending;
  }
}
