/**
 * CPU-bound loops of a batch chunk outside the lock (validation, comparisons, parsing members)
 * run in slices between yields to the event loop, because another chunk of the same process
 * may hold the batch lock: the reply to each of its statements waits for whatever slice runs
 * when it arrives, and the chunk under the lock is the load's critical path. While a chunk of
 * this process holds the lock (`holdBatchLock`), slices end after about a millisecond instead
 * of several. Only the timing changes: the loops do the same work in the same order.
 */
let lockHolders = 0;

/** Slice length (ms) while no chunk of this process holds the batch lock, and while one does. */
const SLICE_MS = 6;
const SLICE_MS_UNDER_LOCK = 1;

/** Counts a chunk holding (or waiting for) the batch lock in this process; call the result once when it is released. */
export function holdBatchLock(): () => void {
  lockHolders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lockHolders--;
  };
}

/**
 * `if (slicer.due()) await slicer.yield()` inside a loop: yields (setImmediate: I/O callbacks
 * run first) once the current slice has run its time.
 */
export class CpuSlicer {
  private start = performance.now();

  due(): boolean {
    return performance.now() - this.start >= (lockHolders > 0 ? SLICE_MS_UNDER_LOCK : SLICE_MS);
  }

  async yield(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    this.start = performance.now();
  }
}
