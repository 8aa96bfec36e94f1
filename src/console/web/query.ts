/** How the quick search box reads what the steward typed (pure, unit-tested). */
import type { Demographics } from './api.js';

export type ParsedQuery =
  | { kind: 'empty' }
  | { kind: 'id'; id: string }
  | { kind: 'identifier'; identifier: string }
  | { kind: 'demographics'; demographics: Demographics };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/**
 * `uuid` → a person or record id; `system|value` → an identifier; otherwise a name with an
 * optional birth date: "Family, Given Middle 1984-03-07" or "Given Middle Family 03/07/1984".
 */
export function parseQuery(input: string): ParsedQuery {
  const q = input.trim();
  if (!q) return { kind: 'empty' };
  if (UUID.test(q)) return { kind: 'id', id: q.toLowerCase() };
  if (q.includes('|')) return { kind: 'identifier', identifier: q };
  let birthDate: string | undefined;
  const words: string[] = [];
  for (const w of q.split(/\s+/)) {
    const us = US_DATE.exec(w);
    if (ISO_DATE.test(w)) birthDate = w;
    else if (us) birthDate = `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}`;
    else words.push(w);
  }
  const text = words.join(' ');
  let family: string | undefined;
  let given: string[] = [];
  if (text.includes(',')) {
    const [f, g] = text.split(',', 2);
    family = f.trim() || undefined;
    given = (g ?? '').trim().split(/\s+/).filter(Boolean);
  } else if (words.length === 1) {
    family = words[0];
  } else if (words.length > 1) {
    family = words[words.length - 1];
    given = words.slice(0, -1);
  }
  const demographics: Demographics = { name: [{ ...(family ? { family } : {}), given }] };
  if (birthDate) demographics.birthDate = birthDate;
  return { kind: 'demographics', demographics };
}
