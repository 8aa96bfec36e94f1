import type { NormalizedRecord } from '../matching/engine/index.js';
import type { BlockRecordRow } from './chunk-linkage.repository.js';

/**
 * Block members a process has read, kept for the next chunks (a common name's block is read
 * by chunk after chunk): record id → organization, normalized record and link, exactly as
 * stored at the snapshot the cache is synced to (`syncedTo`). Before a chunk reads with a newer
 * snapshot, every record or link written in between is dropped (`forget`, from changed_xid),
 * so a cached member is always what that snapshot would read; reads that change the cache run
 * one at a time (`exclusive`), each with a snapshot taken inside, so snapshots only move forward.
 * Least recently used members go first beyond `capacity`.
 *
 * A member's normalized record arrives as stored JSON text (about 600 bytes); parsing it costs
 * 13–25 µs, more than its pruned comparison. `normalizedOf` parses it once and keeps the parsed
 * form in place of the text (about 1.1 kB on the heap, deep-frozen: chunks share it and none may
 * change it) for up to `parsedCapacity` members; beyond that a member stays text and is parsed
 * for each use, so the heap stays bounded at a million records.
 */
export class MemberCache {
  private readonly members = new Map<string, BlockRecordRow>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Cached members held parsed (`normalized` set, text dropped). */
  private parsed = 0;
  /** The snapshot every cached member is current for (null: empty, nothing synced yet). */
  syncedTo: string | null = null;

  constructor(
    private readonly capacity: number,
    private readonly parsedCapacity: number = capacity,
  ) {}

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
      this.drop(r.id);
      this.members.set(r.id, r);
    }
    for (const id of this.members.keys()) {
      if (this.members.size <= this.capacity) break;
      this.drop(id);
    }
  }

  /**
   * The member's normalized record, parsed from its stored text. A member this cache holds is
   * parsed once and kept parsed (while fewer than `parsedCapacity` are); the same stored text
   * always gives the same record, so every reader sees what parsing it anew would give.
   */
  normalizedOf(row: BlockRecordRow): NormalizedRecord {
    if (row.normalized) return row.normalized;
    const n = JSON.parse(row.normalizedText!) as NormalizedRecord;
    if (this.parsed < this.parsedCapacity && this.members.get(row.id) === row) {
      row.normalized = deepFreeze(n);
      row.normalizedText = null;
      this.parsed++;
    }
    return n;
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.drop(id);
  }

  clear(): void {
    this.members.clear();
    this.parsed = 0;
    this.syncedTo = null;
  }

  get size(): number {
    return this.members.size;
  }

  /** Members held parsed. */
  get parsedSize(): number {
    return this.parsed;
  }

  private drop(id: string): void {
    const old = this.members.get(id);
    if (!old) return;
    if (old.normalized) this.parsed--;
    this.members.delete(id);
  }
}

/** The normalized form is plain JSON data: objects and arrays all the way down. */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
