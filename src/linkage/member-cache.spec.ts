import { describe, expect, it } from 'vitest';
import type { BlockRecordRow } from './chunk-linkage.repository.js';
import { MemberCache } from './member-cache.js';

const member = (id: string): BlockRecordRow => ({ id, organizationId: 'org', normalizedText: '{}', personId: `p-${id}`, method: 'auto' });

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
