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
    const net = new Map<string, Term & { delta: number }>();
    for (const d of deltas) {
      const k = termKey(d);
      net.set(k, { field: d.field, value: d.value, delta: (net.get(k)?.delta ?? 0) + d.delta });
    }
    // Sorted, so concurrent updates take the row locks in the same order.
    const all = [...net.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d);
    const up = all.filter((d) => d.delta > 0);
    const down = all.filter((d) => d.delta < 0);
    if (up.length) {
      await m.query(
        `INSERT INTO term_frequency (field, value, n)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
         ON CONFLICT (field, value) DO UPDATE SET n = term_frequency.n + EXCLUDED.n`,
        [up.map((d) => d.field), up.map((d) => d.value), up.map((d) => d.delta)],
      );
    }
    if (down.length) {
      await m.query(
        `UPDATE term_frequency t SET n = GREATEST(t.n + d.delta, 0)
         FROM unnest($1::text[], $2::text[], $3::int[]) AS d(field, value, delta)
         WHERE t.field = d.field AND t.value = d.value`,
        [down.map((d) => d.field), down.map((d) => d.value), down.map((d) => d.delta)],
      );
    }
  }
}

export const termKey = (t: Term) => `${t.field}\u0000${t.value}`;
