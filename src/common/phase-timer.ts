/**
 * Wall time per named phase of one chunk (ms), for the `batch chunk timings` debug log line:
 * where a chunk spends its time, with counts only (never a value from a row).
 */
export class PhaseTimer {
  private readonly ms: Record<string, number> = {};
  private readonly counts: Record<string, number> = {};
  private last = performance.now();

  /** Charges the time since the previous lap (or the start) to `phase`. */
  lap(phase: string): void {
    const now = performance.now();
    this.ms[phase] = (this.ms[phase] ?? 0) + (now - this.last);
    this.last = now;
  }

  /** Restarts the clock without charging anything (time spent elsewhere). */
  skip(): void {
    this.last = performance.now();
  }

  count(name: string, n: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  summary(): { ms: Record<string, number>; counts: Record<string, number> } {
    return { ms: Object.fromEntries(Object.entries(this.ms).map(([k, v]) => [k, Math.round(v)])), counts: { ...this.counts } };
  }
}
