/**
 * Characters in client input that PostgreSQL cannot store: U+0000 (NUL), which `text` and
 * `jsonb` cannot hold, and an unpaired UTF-16 surrogate (a JSON `"\ud800"` escape alone),
 * which `jsonb` refuses. A string carrying one would fail at its INSERT (a 500 after
 * validation said yes, and in a batch a failed chunk). Every request's body, query and path
 * parameters, and every batch row, are checked for them before validation, and each such
 * field is named in a 400 / a row error. Pure: no framework.
 */
import type { FieldError } from './errors/domain-error.js';

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must be valid Unicode text (it holds an unpaired surrogate, U+D800-U+DFFF)';

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Why PostgreSQL could not store this string, or null. */
function unstorable(s: string): string | null {
  if (s.includes(NUL)) return NUL_MESSAGE;
  return LONE_SURROGATE.test(s) ? SURROGATE_MESSAGE : null;
}

/**
 * A key as it may appear in a field path of an answer or a stored row error: a NUL or an
 * unpaired surrogate written out as its `\uXXXX` escape.
 */
export function printableKey(key: string): string {
  if (unstorable(key) === null) return key;
  return key.replaceAll(NUL, '\\u0000').replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The field path of a child of the value at `path`, as a client wrote it: `name[0]`, `name[0].family`. */
export function childField(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${printableKey(key)}` : printableKey(key);
}

/**
 * One error per string (or object key) PostgreSQL could not store, named as the client
 * wrote it (`name[0].family`, under `prefix`). Iterative, so a deeply nested body cannot
 * exhaust the stack; stops after `limit` errors.
 */
export function unstorableCharacterErrors(value: unknown, prefix = '', limit = 50): FieldError[] {
  // Nearly every input is clean: one walk without field paths says so (naming each child on
  // the way was a few percent of what a batch worker allocated).
  if (!anyUnstorable(value)) return [];
  const errors: FieldError[] = [];
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length > 0 && errors.length < limit) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = unstorable(v);
      if (problem) errors.push({ field: path || 'value', messages: [problem] });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], childField(path, i)]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        const field = childField(path, k);
        const problem = unstorable(k);
        if (problem) errors.push({ field, messages: [problem] });
        else stack.push([child, field]);
      }
    }
  }
  return errors;
}

/** True when some string or object key within `value` is unstorable (iterative, like the walk above). */
function anyUnstorable(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (unstorable(v) !== null) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (unstorable(k) !== null) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}
