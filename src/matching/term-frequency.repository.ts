import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface Term {
  field: string;
  value: string;
}

@Injectable()
export class TermFrequencyRepository {
  /** Counts for these terms (one query). */
  async counts(terms: Term[], m: EntityManager): Promise<Map<string, number>> {
    if (!terms.length) return new Map();
    const rows: Array<{ field: string; value: string; n: number }> = await m.query(
      `SELECT t.field, t.value, t.n FROM term_frequency t
       JOIN unnest($1::text[], $2::text[]) AS q(field, value) ON q.field = t.field AND q.value = t.value`,
      [terms.map((t) => t.field), terms.map((t) => t.value)],
    );
    return new Map(rows.map((r) => [termKey(r), r.n]));
  }

  /** Adds each term's delta to its count (up to two statements: increments, decrements). */
  async applyDeltas(deltas: Array<Term & { delta: number }>, m: EntityManager): Promise<void> {
    for (const s of termDeltaStatements(deltas)) await m.query(s.sql, s.params);
  }
}

export type TermDelta = Term & { delta: number };

/**
 * Each term's net delta, split into increments and decrements (disjoint, so both can run in
 * one statement) and sorted, so concurrent updates take the row locks in the same order.
 */
export function netTermDeltas(deltas: TermDelta[]): { up: TermDelta[]; down: TermDelta[] } {
  const net = new Map<string, TermDelta>();
  for (const d of deltas) {
    const k = termKey(d);
    net.set(k, { field: d.field, value: d.value, delta: (net.get(k)?.delta ?? 0) + d.delta });
  }
  const all = [...net.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d);
  return { up: all.filter((d) => d.delta > 0), down: all.filter((d) => d.delta < 0) };
}

/**
 * `applyDeltas`' statements (increments, decrements: disjoint rows, so they may also run as
 * parts of one statement), for a caller that sends them with others.
 */
export function termDeltaStatements(deltas: TermDelta[]): Array<{ sql: string; params: unknown[] }> {
  const { up, down } = netTermDeltas(deltas);
  const out: Array<{ sql: string; params: unknown[] }> = [];
  if (up.length) out.push({ sql: termIncrementSql(1), params: termDeltaParams(up) });
  if (down.length) out.push({ sql: termDecrementSql(1), params: termDeltaParams(down) });
  return out;
}

/** Fields, values and deltas of `termIncrementSql` / `termDecrementSql` ($first .. $first+2). */
export function termDeltaParams(deltas: TermDelta[]): unknown[] {
  return [deltas.map((d) => d.field), deltas.map((d) => d.value), deltas.map((d) => d.delta)];
}

/** Adds positive deltas to the counts (a statement, or the body of a data-modifying CTE). */
export function termIncrementSql(first: number): string {
  return `INSERT INTO term_frequency (field, value, n)
         SELECT * FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::int[])
         ON CONFLICT (field, value) DO UPDATE SET n = term_frequency.n + EXCLUDED.n`;
}

/**
 * Adds negative deltas to the counts (never below 0). The `= ANY` conditions give the rows'
 * index a condition to probe with: joined to the unnest alone, a generic plan made while the
 * table was small read all of it (a hash join).
 */
export function termDecrementSql(first: number): string {
  return `UPDATE term_frequency t SET n = GREATEST(t.n + d.delta, 0)
         FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::int[]) AS d(field, value, delta)
         WHERE t.field = ANY($${first}::text[]) AND t.value = ANY($${first + 1}::text[])
           AND t.field = d.field AND t.value = d.value`;
}

export const termKey = (t: Term) => `${t.field}\u0000${t.value}`;
