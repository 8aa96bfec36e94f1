import { describe, expect, it } from 'vitest';
import type { BlockRecordRow } from './chunk-linkage.repository.js';
import { MemberCache } from './member-cache.js';

const member = (id: string): BlockRecordRow => ({ id, organizationId: 'org', normalizedText: '{}', personId: `p-${id}`, method: 'auto', waiting: false });
const withText = (id: string, text: string): BlockRecordRow => ({ ...member(id), normalizedText: text });

describe('MemberCache', () => {
  it('keeps the most recently used members up to its capacity', () => {
    const c = new MemberCache(2);
    c.add([member('a'), member('b')]);
    expect(c.get('a')?.personId).toBe('p-a');
    c.add([member('c')]);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    expect(c.size).toBe(2);
  });

  it('forgets members written since it was synced, and everything when cleared', () => {
    const c = new MemberCache(10);
    c.add([member('a'), member('b')]);
    c.syncedTo = '10:12:';
    c.forget(['a', 'x']);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBeDefined();
    c.clear();
    expect(c.size).toBe(0);
    expect(c.syncedTo).toBeNull();
  });

  it('parses a member once and keeps it parsed, frozen, up to its parsed capacity', () => {
    const c = new MemberCache(10, 2);
    const text = '{"v":1,"given":{"text":"ANN","canon":["ANN"],"parts":["ANN"],"dm":["AN"],"sx":"A500"},"phones":["5550100"]}';
    const [a, b, x] = [withText('a', text), withText('b', text), withText('x', text)];
    c.add([a, b, x]);
    const first = c.normalizedOf(a);
    expect(first).toEqual(JSON.parse(text));
    // The same object on every later use, the text dropped, nothing in it can change.
    expect(c.normalizedOf(a)).toBe(first);
    expect(a.normalizedText).toBeNull();
    expect(Object.isFrozen(first) && Object.isFrozen(first.given) && Object.isFrozen(first.given!.canon) && Object.isFrozen(first.phones)).toBe(true);
    expect(() => (first.phones as string[]).push('x')).toThrow(TypeError);
    c.normalizedOf(b);
    expect(c.parsedSize).toBe(2);
    // Beyond the parsed capacity a member stays text: parsed anew for each use.
    const once = c.normalizedOf(x);
    expect(once).toEqual(JSON.parse(text));
    expect(c.normalizedOf(x)).not.toBe(once);
    expect(x.normalizedText).toBe(text);
    // A member that leaves the cache frees its parsed slot; one not in the cache is never kept.
    c.forget(['a']);
    expect(c.parsedSize).toBe(1);
    const stray = withText('s', text);
    c.normalizedOf(stray);
    expect(stray.normalizedText).toBe(text);
    c.normalizedOf(x);
    expect(x.normalizedText).toBeNull();
    expect(c.parsedSize).toBe(2);
    c.add([withText('b', text)]);
    expect(c.parsedSize).toBe(1);
    c.clear();
    expect(c.parsedSize).toBe(0);
  });

  it('evicts parsed members like any other, freeing their slots', () => {
    const c = new MemberCache(2, 2);
    const [a, b] = [withText('a', '{"v":1}'), withText('b', '{"v":1}')];
    c.add([a, b]);
    c.normalizedOf(a);
    c.normalizedOf(b);
    c.add([withText('c', '{"v":1}'), withText('d', '{"v":1}')]);
    expect(c.size).toBe(2);
    expect(c.parsedSize).toBe(0);
  });

  it('runs exclusive work one at a time, in order, even after a failure', async () => {
    const c = new MemberCache(10);
    const log: string[] = [];
    const slow = c.exclusive(async () => {
      log.push('a start');
      await new Promise((r) => setTimeout(r, 20));
      log.push('a end');
      throw new Error('a failed');
    });
    const next = c.exclusive(async () => {
      log.push('b');
      return 2;
    });
    await expect(slow).rejects.toThrow('a failed');
    expect(await next).toBe(2);
    expect(log).toEqual(['a start', 'a end', 'b']);
  });
});
