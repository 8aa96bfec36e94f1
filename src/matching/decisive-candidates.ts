/**
 * The candidates a decision can depend on, given which of them are already known to be pruned
 * (engine/prune.ts: the pair cannot reach the review floor). `decide` reads a person's records
 * — same-source flags, the strong-identifier check through another record — only for a person
 * whose best record is at or above the floor, so a person all of whose candidates are pruned
 * takes no part in the decision but in two ways, both kept here: a no-match assertion on it
 * adds the reason `no-match-asserted` (its candidates are kept), and its existence makes a new
 * person's reason `below-review-threshold` rather than `no-candidates` (one such candidate is
 * kept, last). What may differ is only `best` of a new-person decision, which is never stored.
 * A batch chunk scores tens of pruned candidates a row at a million records; this keeps them
 * out of the scoring and the decision under its lock.
 */
export function decisiveCandidates<T extends { personId: string }>(all: readonly T[], isPruned: (c: T) => boolean, asserted: ReadonlySet<string>): T[] {
  const live = new Set<string>();
  for (const c of all) if (!isPruned(c)) live.add(c.personId);
  const kept: T[] = [];
  let stand: T | undefined;
  for (const c of all) {
    if (live.has(c.personId) || asserted.has(c.personId)) kept.push(c);
    else stand ??= c;
  }
  // Always one of them, whatever the others: the live persons' candidates may all be excluded
  // by a guard, or asserted, and then this one alone makes the reason below-review-threshold.
  if (stand !== undefined) kept.push(stand);
  return kept;
}
