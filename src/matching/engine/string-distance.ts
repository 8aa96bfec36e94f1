import { JaroWinklerDistance } from 'natural/lib/natural/distance/index.js';

/** Jaro-Winkler similarity (0..1, 1 = identical), natural's implementation. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a === '' || b === '') return 0;
  return JaroWinklerDistance(a, b);
}

/**
 * Optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions,
 * deletions, substitutions and adjacent transpositions. Returns max+1 as soon as the
 * distance is known to exceed `max` (identifiers are short; this is the hot path).
 */
export function damerauDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0) return lb;
  if (lb === 0) return la;
  // Three rows of the matrix, reused across calls (the comparison runs millions of times a
  // load; fresh arrays each time were a few percent of everything a batch worker allocates).
  if (rows.length < 3 * (lb + 1)) rows = new Int32Array(3 * (lb + 1) * 2);
  const w = lb + 1;
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j <= lb; j++) {
    rows[prev2 + j] = 0;
    rows[prev + j] = j;
  }
  for (let i = 1; i <= la; i++) {
    rows[cur] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(rows[prev + j] + 1, rows[cur + j - 1] + 1, rows[prev + j - 1] + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        v = Math.min(v, rows[prev2 + j - 2] + 1);
      }
      rows[cur + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return rows[prev + lb];
}

/** damerauDistance's matrix rows (synchronous: no two calls share it at once). */
let rows = new Int32Array(3 * 64);
