import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

const TTL_MS = 10_000;

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
  private fetchedAt = 0;
  private inflight: Promise<number> | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Pass the transaction's manager when inside one (PGlite blocks other connections meanwhile). */
  async get(m: EntityManager = this.dataSource.manager): Promise<number> {
    if (Date.now() - this.fetchedAt < TTL_MS) return this.value + this.delta;
    this.inflight ??= this.refresh(m).finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** Call after a commit that made `n` records active (negative: retired them). */
  add(n: number): void {
    this.delta += n;
  }

  /** Forget the cached value (tests, and after a bulk load). */
  invalidate(): void {
    this.fetchedAt = 0;
  }

  private async refresh(m: EntityManager): Promise<number> {
    // Changes committed while the count runs may or may not be in it: at most a few off.
    const before = this.delta;
    const rows: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`);
    this.value = rows[0].n;
    this.delta -= before;
    this.fetchedAt = Date.now();
    return this.value + this.delta;
  }
}
