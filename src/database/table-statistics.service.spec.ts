import { describe, expect, it } from 'vitest';
import { tablesDueForAnalyze } from './table-statistics.service.js';

const at = (table: string, modifiedSinceAnalyze: number, estimatedRows: number, pages = 0, pagesAtAnalyze = 0) => ({ table, modifiedSinceAnalyze, estimatedRows, pages, pagesAtAnalyze });

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
