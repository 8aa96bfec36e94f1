/**
 * Client input nested deeper than anything the API takes. class-transformer and
 * class-validator walk a body recursively, so ~2,000 nested arrays (a 10 kB body) exhausted
 * the stack: a 500 for a client's mistake, and in a batch a row that failed its whole chunk.
 * Every request's body, query and path parameters, and every batch row, are checked before
 * validation, and the too-deep field is named in a 400 / a row error. Pure: no framework.
 */
import type { FieldError } from './errors/domain-error.js';
import { childField } from './unstorable-characters.js';

/** Objects and arrays within one another; the API's deepest input (a compare body's given names, `a.name[0].given[0]`) has four. */
export const MAX_NESTING = 32;

export const NESTING_MESSAGE = `must not nest objects or arrays more than ${MAX_NESTING} deep`;

/**
 * The first object or array (named as the client wrote it, under `prefix`) that is the
 * (max + 1)-th container within containers, or none. Iterative, so it cannot exhaust the stack.
 */
export function nestingErrors(value: unknown, prefix = '', max = MAX_NESTING): FieldError[] {
  // One walk without field paths first: nearly every input nests a few levels only.
  if (depthOf(value, max) <= max) return [];
  const stack: Array<[unknown, string, number]> = [[value, prefix, 1]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return [{ field: path || 'body', messages: [NESTING_MESSAGE] }];
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i], childField(path, i), depth + 1]);
    } else {
      for (const [k, child] of Object.entries(v)) {
        if (child !== null && typeof child === 'object') stack.push([child, childField(path, k), depth + 1]);
      }
    }
  }
  return [];
}

/** How deep containers nest in `value` (1: an object or array of plain values), stopping once past `max`. */
function depthOf(value: unknown, max: number): number {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > deepest && (deepest = depth) > max) return deepest;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (let i = 0; i < children.length; i++) {
      const c: unknown = children[i];
      if (c !== null && typeof c === 'object') {
        values.push(c);
        depths.push(depth + 1);
      }
    }
  }
  return deepest;
}
