/**
 * A record's candidates in a batch chunk's view of the blocks: the active, linked members of
 * every block of its keys that is within its cap, the record itself left out; and how many of
 * its keys were skipped as over their cap. `selfCounted`: the record is in its blocks already
 * (a stored record, whose keys the single feed writes before it reads its candidates); a new
 * record's keys are not stored when the feed reads its candidates, so its blocks count one less.
 */
export function blockCandidates<T extends { status: 'active' | 'retired'; personId: string | null }>(
  blocks: ReadonlyMap<string, Set<string> | 'oversized'>,
  recs: ReadonlyMap<string, T>,
  record: { id: string; keys: readonly string[]; caps: readonly number[]; selfCounted: boolean },
): { active: T[]; oversized: number } {
  const ids = new Set<string>();
  let oversized = 0;
  for (let ki = 0; ki < record.keys.length; ki++) {
    const b = blocks.get(record.keys[ki]);
    if (!b || b === 'oversized' || b.size - (record.selfCounted ? 0 : 1) > record.caps[ki]) {
      oversized++;
      continue;
    }
    for (const id of b) if (id !== record.id) ids.add(id);
  }
  const active: T[] = [];
  for (const id of ids) {
    const c = recs.get(id);
    if (c && c.status === 'active' && c.personId !== null) active.push(c);
  }
  return { active, oversized };
}
