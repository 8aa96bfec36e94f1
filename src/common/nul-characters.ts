/**
 * U+0000 (NUL) in client input. PostgreSQL's `text` and `jsonb` cannot hold it, so a string
 * carrying one would fail at its INSERT (a 500 after validation said yes, and in a batch a
 * failed chunk). Every request's body, query and path parameters, and every batch row, are
 * checked for it before validation, and each such field is named in a 400 / a row error.
 * Pure: no framework.
 */
import type { FieldError } from './errors/domain-error.js';

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

const NUL = '\u0000';

/** A key as it may appear in a field path of an answer or a stored row error: any NUL written out as `\u0000`. */
export function printableKey(key: string): string {
  return key.includes(NUL) ? key.replaceAll(NUL, '\\u0000') : key;
}

/**
 * One error per string (or object key) holding a NUL, named as the client wrote it
 * (`name[0].family`, under `prefix`). Iterative, so a deeply nested body cannot exhaust the
 * stack; stops after `limit` errors.
 */
export function nulCharacterErrors(value: unknown, prefix = '', limit = 50): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length > 0 && errors.length < limit) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) errors.push({ field: path || 'value', messages: [NUL_MESSAGE] });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        const field = path ? `${path}.${printableKey(k)}` : printableKey(k);
        if (k.includes(NUL)) errors.push({ field, messages: [NUL_MESSAGE] });
        else stack.push([child, field]);
      }
    }
  }
  return errors;
}
