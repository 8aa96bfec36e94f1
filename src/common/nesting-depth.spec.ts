import { describe, expect, it } from 'vitest';
import { MAX_NESTING, NESTING_MESSAGE, nestingErrors } from './nesting-depth.js';

/** `depth` arrays within one another (depth 1: `[]`). */
function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe('nestingErrors', () => {
  it('accepts the API\'s own shapes and anything up to the limit', () => {
    expect(nestingErrors({ a: { name: [{ family: 'X', given: ['A', 'B'] }] }, b: { name: [{ family: 'Y' }] } })).toEqual([]);
    expect(nestingErrors({ x: nested(MAX_NESTING - 1) })).toEqual([]);
    expect(nestingErrors(nested(MAX_NESTING))).toEqual([]);
    expect(nestingErrors('text')).toEqual([]);
    expect(nestingErrors(null)).toEqual([]);
  });

  it('names the first container beyond the limit, as the client wrote it', () => {
    expect(nestingErrors({ x: nested(MAX_NESTING) })).toEqual([{ field: `x${'[0]'.repeat(MAX_NESTING - 1)}`, messages: [NESTING_MESSAGE] }]);
    expect(nestingErrors(nested(MAX_NESTING + 1))).toEqual([{ field: `${'[0]'.repeat(MAX_NESTING)}`, messages: [NESTING_MESSAGE] }]);
    expect(nestingErrors({ a: { b: { c: {} } } }, 'demographics', 3)).toEqual([{ field: 'demographics.a.b.c', messages: [NESTING_MESSAGE] }]);
    expect(nestingErrors({ a: {} }, '', 1)).toEqual([{ field: 'a', messages: [NESTING_MESSAGE] }]);
  });

  it('walks a body nested far deeper than the stack would allow', () => {
    expect(nestingErrors({ name: nested(200_000) })).toHaveLength(1);
  });
});
