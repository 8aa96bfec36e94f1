import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** One table of the service's schema as PostgreSQL's statistics views see it. */
export interface TableActivity {
  table: string;
  /** Rows inserted, updated or deleted since the table was last analyzed. */
  modifiedSinceAnalyze: number;
  /** The planner's row estimate from the last ANALYZE (0 when never analyzed). */
  estimatedRows: number;
  /** The table's size in pages now, and as the last ANALYZE (or VACUUM) recorded it. */
  pages: number;
  pagesAtAnalyze: number;
  /** Rows inserted since the table was last vacuumed, and dead rows now (0 where no counts are kept). */
  insertedSinceVacuum: number;
  deadRows: number;
}

/** Advisory lock (two-key form, so it never meets the feeds' one-key locks): one analyzer at a time across processes. */
const ANALYZE_LOCK = [0x4d5049, 1] as const;

@Injectable()
export class TableStatisticsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** PostgreSQL's own background analyzer runs for this database. */
  async autovacuumEnabled(): Promise<boolean> {
    const [{ on }] = await this.dataSource.query(`SELECT current_setting('autovacuum') = 'on' AS on`);
    return on === true;
  }

  /**
   * Every table of the current schema with its modifications since the last ANALYZE (from the
   * cumulative statistics, which PGlite does not keep) and its size now and then (which
   * every engine knows).
   */
  async activity(): Promise<TableActivity[]> {
    const rows: Array<{ table: string; modified: string; estimated: string; pages: string; analyzed_pages: number; inserted: string; dead: string }> = await this.dataSource.query(
      `SELECT c.relname AS table, coalesce(s.n_mod_since_analyze, 0) AS modified, greatest(c.reltuples, 0)::bigint AS estimated,
              pg_relation_size(c.oid) / current_setting('block_size')::int AS pages, c.relpages AS analyzed_pages,
              coalesce(s.n_ins_since_vacuum, 0) AS inserted, coalesce(s.n_dead_tup, 0) AS dead
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
    );
    return rows.map((r) => ({
      table: r.table,
      modifiedSinceAnalyze: Number(r.modified),
      estimatedRows: Number(r.estimated),
      pages: Number(r.pages),
      pagesAtAnalyze: Number(r.analyzed_pages),
      insertedSinceVacuum: Number(r.inserted),
      deadRows: Number(r.dead),
    }));
  }

  /**
   * ANALYZE the tables in one transaction, unless another process holds the analyzer lock
   * (then it is doing the same work: false). ANALYZE samples a bounded number of rows, so it
   * costs about the same at 10k and at 10M rows.
   */
  async analyze(tables: string[]): Promise<boolean> {
    if (!tables.length) return true;
    return this.dataSource.transaction(async (m) => {
      const [{ got }] = await m.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS got`, [...ANALYZE_LOCK]);
      if (!got) return false;
      const [{ sql }] = await m.query(`SELECT 'ANALYZE ' || string_agg(format('%I', t), ', ') AS sql FROM unnest($1::text[]) AS t`, [tables]);
      await m.query(sql);
      return true;
    });
  }

  /**
   * VACUUM the tables (outside any transaction, as VACUUM must run, on a connection of its own),
   * unless another process holds the analyzer lock (false). Tables locked by someone else's DDL
   * are skipped, not waited for.
   */
  async vacuum(tables: string[]): Promise<boolean> {
    if (!tables.length) return true;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ got }] = await runner.query(`SELECT pg_try_advisory_lock($1, $2) AS got`, [...ANALYZE_LOCK]);
      if (!got) return false;
      try {
        const [{ sql }] = await runner.query(`SELECT 'VACUUM (SKIP_LOCKED) ' || string_agg(format('%I', t), ', ') AS sql FROM unnest($1::text[]) AS t`, [tables]);
        await runner.query(sql);
        return true;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1, $2)`, [...ANALYZE_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
