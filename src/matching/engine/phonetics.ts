import { DoubleMetaphone, SoundEx } from 'natural/lib/natural/phonetics/index.js';

const dm = new DoubleMetaphone();
const sx = new SoundEx();

/** Double Metaphone codes (max length 4), primary then alternate when it differs; [] for ''. */
export function doubleMetaphone(s: string): string[] {
  if (s === '') return [];
  const [p, a] = dm.process(s, 4);
  const out: string[] = [];
  if (p) out.push(p);
  if (a && a !== p) out.push(a);
  return out;
}

/** Soundex code ('' for an empty or digit-only string). */
export function soundex(s: string): string {
  const letters = s.replace(/[^A-Z]/g, '');
  return letters === '' ? '' : sx.process(letters);
}

/** Double Metaphone agreement, cross-comparing primary and alternate codes. */
export function phoneticCodesAgree(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x === y) return true;
  return false;
}
