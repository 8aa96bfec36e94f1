import { DoubleMetaphone, SoundEx } from 'natural/lib/natural/phonetics/index.js';

const dm = new DoubleMetaphone();
const sx = new SoundEx();

/**
 * A bounded memo of a pure string function: names repeat (a load has far fewer distinct names
 * than records), and natural's encoders allocate a good deal per call. Emptied when full.
 */
function memo<T>(fn: (s: string) => T, capacity = 50_000): (s: string) => T {
  const cache = new Map<string, T>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      if (cache.size >= capacity) cache.clear();
      cache.set(s, (v = fn(s)));
    }
    return v;
  };
}

/** Double Metaphone codes (max length 4), primary then alternate when it differs; [] for ''. Frozen: one array serves every caller. */
export const doubleMetaphone: (s: string) => readonly string[] = memo((s) => {
  if (s === '') return Object.freeze([]);
  const [p, a] = dm.process(s, 4);
  const out: string[] = [];
  if (p) out.push(p);
  if (a && a !== p) out.push(a);
  return Object.freeze(out);
});

/** Soundex code ('' for an empty or digit-only string). */
export const soundex: (s: string) => string = memo((s) => {
  const letters = s.replace(/[^A-Z]/g, '');
  return letters === '' ? '' : sx.process(letters);
});

/** Double Metaphone agreement, cross-comparing primary and alternate codes. */
export function phoneticCodesAgree(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x === y) return true;
  return false;
}
