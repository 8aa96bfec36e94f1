/**
 * Records waiting for review that a new link may settle (DESIGN §4, rule-set option
 * `decision.reevaluatePendingReviews`). A record goes to review when the evidence for one
 * person is not enough (a conflicting SSN, a score in the review band); a record that arrives
 * later and links to that person may match the waiting record well enough on its own. The
 * waiting record is then decided again, exactly as if it arrived now: the same candidates
 * (all of its blocks), scores and guards. Only a link changes anything; any other outcome
 * leaves it waiting with its review tasks. Pure: callers read and write.
 */
import type { CandidateEvaluation, CompiledRuleSet, Decision } from './types.js';

/**
 * The candidates of a decision that linked which should be decided again: those matched at
 * or above auto-link, waiting for review (`waitsForReview`: their link says so; the caller
 * checks that each is still alone in its person), in another person than the one linked to,
 * and not asserted a different person; best first, at most `maxRecords`. None when the
 * decision did not link or the rule set does not ask for it.
 */
export function pendingToReevaluate(
  decision: Decision,
  candidates: readonly CandidateEvaluation[],
  rs: CompiledRuleSet,
  waitsForReview: (c: CandidateEvaluation) => boolean,
): CandidateEvaluation[] {
  const option = rs.decision.reevaluatePendingReviews;
  if (option === null || decision.outcome !== 'linked' || decision.personId === null) return [];
  return candidates
    .filter((c) => c.personId !== decision.personId && !c.noMatchAsserted && c.score.probability >= rs.thresholds.autoLink && waitsForReview(c))
    .sort((x, y) => y.score.weight - x.score.weight || (x.recordId < y.recordId ? -1 : x.recordId > y.recordId ? 1 : 0))
    .slice(0, option.maxRecords);
}

/** The new decision of a waiting record settles it: it links, to a person other than its own. */
export function settlesPendingReview(decision: Decision, currentPersonId: string): boolean {
  return decision.outcome === 'linked' && decision.personId !== null && decision.personId !== currentPersonId;
}
