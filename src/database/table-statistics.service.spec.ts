import { describe, expect, it } from 'vitest';
import { tablesDueForAnalyze, tablesDueForVacuum } from './table-statistics.service.js';

const at = (table: string, modifiedSinceAnalyze: number, estimatedRows: number, pages = 0, pagesAtAnalyze = 0, insertedSinceVacuum = 0, deadRows = 0) => ({
  table, modifiedSinceAnalyze, estimatedRows, pages, pagesAtAnalyze, insertedSinceVacuum, deadRows,
});

describe('tablesDueForAnalyze (autovacuum’s default rule: more than 50 + 10% of the rows modified; or 8 pages + 10% grown)', () => {
  it.each([
    ['a never-analyzed table after 51 changes', 51, 0, true],
    ['a never-analyzed table after 50 changes', 50, 0, false],
    ['10,000 rows and 1,051 changes', 1051, 10_000, true],
    ['10,000 rows and 1,050 changes', 1050, 10_000, false],
    ['a million rows and 50,000 changes', 50_000, 1_000_000, false],
  ])('%s → %s', (_label, modified, rows, due) => {
    expect(tablesDueForAnalyze([at('t', modified, rows)])).toEqual(due ? ['t'] : []);
  });

  it.each([
    ['no row counts (PGlite), never analyzed, 9 pages', 9, 0, true],
    ['no row counts, never analyzed, 8 pages', 8, 0, false],
    ['1,000 pages at the last ANALYZE, now 1,109', 1109, 1000, true],
    ['1,000 pages at the last ANALYZE, now 1,108', 1108, 1000, false],
  ])('%s → %s', (_label, pages, pagesAtAnalyze, due) => {
    expect(tablesDueForAnalyze([at('t', 0, 0, pages, pagesAtAnalyze)])).toEqual(due ? ['t'] : []);
  });

  it('names every table due, sorted', () => {
    const activity = [at('source_record', 500, 100), at('audit_event', 3, 0), at('blocking_key', 5000, 1000)];
    expect(tablesDueForAnalyze(activity)).toEqual(['blocking_key', 'source_record']);
  });
});

describe('tablesDueForVacuum (autovacuum’s default rules: dead rows over 50 + 20%, or rows inserted since the last VACUUM over 1,000 + 20%)', () => {
  it.each([
    ['an insert-only table of 1M rows after 201,001 inserts', 201_001, 0, 1_000_000, true],
    ['an insert-only table of 1M rows after 201,000 inserts', 201_000, 0, 1_000_000, false],
    ['a never-vacuumed new table after 1,001 inserts', 1001, 0, 0, true],
    ['a never-vacuumed new table after 1,000 inserts', 1000, 0, 0, false],
    ['10,000 rows and 2,051 dead', 0, 2051, 10_000, true],
    ['10,000 rows and 2,050 dead', 0, 2050, 10_000, false],
    ['no counts kept (PGlite)', 0, 0, 0, false],
  ])('%s', (_label, inserted, dead, rows, due) => {
    expect(tablesDueForVacuum([at('t', 0, rows, 0, 0, inserted, dead)])).toEqual(due ? ['t'] : []);
  });
});
