import type { BlockRecordRow } from './chunk-linkage.repository.js';

/**
 * Block members a process has read, kept for the next chunks (a common name's block is read
 * by chunk after chunk): record id → organization, normalized record and link, exactly as
 * stored at the snapshot the cache is synced to (`syncedTo`). Before a chunk reads with a newer
 * snapshot, every record or link written in between is dropped (`forget`, from changed_xid),
 * so a cached member is always what that snapshot would read; reads that change the cache run
 * one at a time (`exclusive`), each with a snapshot taken inside, so snapshots only move forward.
 * Least recently used members go first beyond `capacity`.
 */
export class MemberCache {
  private readonly members = new Map<string, BlockRecordRow>();
  private tail: Promise<unknown> = Promise.resolve();
  /** The snapshot every cached member is current for (null: empty, nothing synced yet). */
  syncedTo: string | null = null;

  constructor(private readonly capacity: number) {}

  /** Runs `work` after every earlier exclusive work of this cache has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  get(id: string): BlockRecordRow | undefined {
    const hit = this.members.get(id);
    if (hit) {
      this.members.delete(id);
      this.members.set(id, hit);
    }
    return hit;
  }

  add(rows: readonly BlockRecordRow[]): void {
    for (const r of rows) {
      this.members.delete(r.id);
      this.members.set(r.id, r);
    }
    for (const id of this.members.keys()) {
      if (this.members.size <= this.capacity) break;
      this.members.delete(id);
    }
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.members.delete(id);
  }

  clear(): void {
    this.members.clear();
    this.syncedTo = null;
  }

  get size(): number {
    return this.members.size;
  }
}
