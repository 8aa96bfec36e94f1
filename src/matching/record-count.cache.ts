import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

const TTL_MS = 10_000;

/**
 * The number of active source records, for the prior (λ follows the index size) and term
 * frequencies. Counting a million rows per request would cost more than it is worth; a
 * value up to 10 s old changes the prior by a negligible amount, and every decision stores
 * the prior it used, so it stays reproducible.
 */
@Injectable()
export class RecordCountCache {
  private value = 0;
  private fetchedAt = 0;
  private inflight: Promise<number> | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Pass the transaction's manager when inside one (PGlite blocks other connections meanwhile). */
  async get(m: EntityManager = this.dataSource.manager): Promise<number> {
    if (Date.now() - this.fetchedAt < TTL_MS) return this.value;
    this.inflight ??= this.refresh(m).finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** Forget the cached value (tests, and after a bulk load). */
  invalidate(): void {
    this.fetchedAt = 0;
  }

  private async refresh(m: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM source_record WHERE status = 'active'`);
    this.value = rows[0].n;
    this.fetchedAt = Date.now();
    return this.value;
  }
}
