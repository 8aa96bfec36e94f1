/**
 * Link decision for one incoming record given its scored candidates (DESIGN §3.5).
 * Pure: the caller supplies no-match assertions and organizations.
 */
import type { CandidateEvaluation, CompiledRuleSet, Decision, MatchScore, ReviewItem } from './types.js';

/** A pair's outcome under the guard rules (`decision.strongIdentifierConflicts`). */
interface GuardCheck {
  /**
   * 'excluded': some rule fires, its waiver does not hold and its `excludeIf` holds (not the
   * same person); 'conflict': some rule fires and its waiver does not hold; 'waived': a rule
   * fires but its waiver holds (and none conflicts); 'none' otherwise.
   */
  outcome: 'none' | 'conflict' | 'waived' | 'excluded';
  /** The reason of the first excluding or conflicting rule, or of every waived rule. */
  reasons: string[];
}

/** The pair is, for every field of `levelsByField`, at one of its levels ('missing' when absent or not compared). */
function atLevels(score: MatchScore, levelsByField: Record<string, string[]>): boolean {
  return Object.entries(levelsByField).every(([field, levels]) => {
    const a = score.contributions.find((x) => x.field === field);
    return levels.includes(a === undefined ? 'missing' : a.level);
  });
}

/**
 * Checks the pair against every guard rule: a rule fires when its field is present on both
 * sides and at one of the rule's levels (e.g. a clearly different SSN, a different given
 * name); it is waived when the pair agrees on every `unlessAgree` field (at one of its
 * listed levels; a missing value agrees only where the list names the pseudo-level
 * 'missing', e.g. sex: ['exact', 'missing'] = "must not disagree"), so the score decides.
 * An exclusion outranks a conflict, which outranks a waiver.
 */
function guardCheck(score: MatchScore, rs: CompiledRuleSet): GuardCheck {
  const waived: string[] = [];
  let conflict: string | null = null;
  for (const s of rs.decision.strongIdentifierConflicts) {
    const c = score.contributions.find((x) => x.field === s.field);
    if (!c || !s.levels.includes(c.level)) continue;
    if (s.unlessAgree !== null && atLevels(score, s.unlessAgree)) waived.push(`${s.reason}-waived`);
    else if (s.excludeIf !== null && atLevels(score, s.excludeIf)) return { outcome: 'excluded', reasons: [`${s.reason}-excluded`] };
    else conflict ??= s.reason;
  }
  if (conflict !== null) return { outcome: 'conflict', reasons: [conflict] };
  return { outcome: waived.length > 0 ? 'waived' : 'none', reasons: waived };
}

/**
 * True when some guard rule fires on the pair and its waiver does not hold: a strong
 * identifier (e.g. SSN) present on both sides that clearly differs, unless given name and
 * birth date agree; a different given name or birth date that no SSN vouches for (a
 * household member). The score alone never auto-links such a pair.
 */
export function strongIdentifierConflict(score: MatchScore, rs: CompiledRuleSet): boolean {
  return guardCheck(score, rs).outcome === 'conflict';
}

/** Every strong-identifier rule's field (kind 'identifier', e.g. the SSN) is present on both sides of the pair. */
function strongIdentifiersPresent(score: MatchScore, rs: CompiledRuleSet): boolean {
  return rs.decision.strongIdentifierConflicts.every((s) => {
    if (s.kind !== 'identifier') return true;
    const c = score.contributions.find((x) => x.field === s.field);
    return c !== undefined && c.level !== 'missing';
  });
}

/**
 * The record of a person above the auto-link bar that supports linking, and its guard
 * outcome. Normally the person's best record. When that one conflicts on a strong
 * identifier, another record of the same person may carry the link on its own: it must
 * clear the auto-link bar by itself, have the strong identifier present on both sides (a
 * record without an SSN cannot vouch for one) and pass the guard (the identifier agrees,
 * or the waiver holds). The conflicting record is already linked to that record's person,
 * so the conflict is within the person, not between the incoming record and the person.
 */
function linkEvidence(g: PersonGroup, rs: CompiledRuleSet): { record: CandidateEvaluation; check: GuardCheck; viaOtherRecord: boolean } {
  const check = guardCheck(g.best.score, rs);
  if (check.outcome !== 'conflict') return { record: g.best, check, viaOtherRecord: false };
  const others = g.records
    .filter((r) => r !== g.best && r.score.probability >= rs.thresholds.autoLink && strongIdentifiersPresent(r.score, rs))
    .sort(byScore);
  for (const r of others) {
    const c = guardCheck(r.score, rs);
    if (c.outcome !== 'conflict') return { record: r, check: c, viaOtherRecord: true };
  }
  return { record: g.best, check, viaOtherRecord: false };
}

interface PersonGroup {
  personId: string;
  best: CandidateEvaluation;
  records: CandidateEvaluation[];
  noMatch: boolean;
}

function byScore(x: CandidateEvaluation, y: CandidateEvaluation): number {
  return y.score.weight - x.score.weight || (x.recordId < y.recordId ? -1 : x.recordId > y.recordId ? 1 : 0);
}

/**
 * Decide: auto-link to the best person at or above thresholds.autoLink unless a guard
 * fires; review tasks for persons in the review band; otherwise a new person.
 * Guards: a no-match assertion excludes that person entirely; a guard rule that fires (a
 * conflicting strong identifier, a given name or birth date no SSN vouches for) → review
 * with the rule's reason (unless the rule's `unlessAgree` fields agree: then the score
 * decides, and a link carries the reason '<rule reason>-waived'); two or more
 * persons above auto-link → review; a same-organization candidate → linked with
 * sameSourceDuplicate (or review, per the rule set).
 */
export function decide(incoming: { organizationId: string }, candidates: readonly CandidateEvaluation[], rs: CompiledRuleSet): Decision {
  const reasons: string[] = [];
  const groups = new Map<string, PersonGroup>();
  for (const c of candidates) {
    // A pair a guard excludes (e.g. a household member: different given name and birth
    // date, no agreeing SSN) is not a candidate at all: neither a link nor a review task.
    const excluded = c.score.probability >= rs.thresholds.review ? guardCheck(c.score, rs) : null;
    if (excluded?.outcome === 'excluded') {
      reasons.push(...excluded.reasons);
      continue;
    }
    const g = groups.get(c.personId);
    if (!g) groups.set(c.personId, { personId: c.personId, best: c, records: [c], noMatch: c.noMatchAsserted });
    else {
      g.records.push(c);
      g.noMatch ||= c.noMatchAsserted;
      if (byScore(c, g.best) < 0) g.best = c;
    }
  }
  const persons = [...groups.values()].filter((g) => {
    if (g.noMatch) reasons.push('no-match-asserted');
    return !g.noMatch;
  });
  persons.sort((x, y) => byScore(x.best, y.best));
  const best = persons[0]?.best ?? null;
  const { autoLink, review: reviewFloor } = rs.thresholds;
  const above = persons.filter((g) => g.best.score.probability >= autoLink);
  const band = persons.filter((g) => g.best.score.probability >= reviewFloor && g.best.score.probability < autoLink);
  const toReview = (gs: PersonGroup[], reason: string): ReviewItem[] =>
    gs.map((g) => ({ personId: g.personId, recordId: g.best.recordId, score: g.best.score, reason }));
  const cap = (items: ReviewItem[]): ReviewItem[] => items.slice(0, rs.decision.maxReviewTasks);
  const dedupReasons = (): string[] => [...new Set(reasons)];
  /** Links to `g`, chosen among several persons above the bar; the others go to review as possible duplicates. */
  const linkAmongPersons = (g: (typeof above)[number], evidence: ReturnType<typeof linkEvidence>, others: typeof above, sameSource: boolean): Decision => {
    if (evidence.viaOtherRecord) reasons.push('strong-identifier-conflict-other-record');
    if (sameSource) reasons.push('same-source-duplicate');
    return {
      outcome: 'linked',
      personId: g.personId,
      best: evidence.record,
      review: cap(toReview(others, 'possible-duplicate-person')),
      sameSourceDuplicate: sameSource,
      reasons: dedupReasons(),
    };
  };

  const dominance = rs.decision.multiplePersons?.dominanceBits;
  if (above.length >= 2 && dominance !== undefined && above[0].best.score.weight - above[1].best.score.weight >= dominance) {
    // Not a random pick: the best person's evidence dominates; the other persons that also
    // clear the bar are probably the same person, so a steward is asked to merge them.
    const g = above[0];
    const evidence = linkEvidence(g, rs);
    const sameSource = g.records.some((r) => r.organizationId === incoming.organizationId);
    if (evidence.check.outcome !== 'conflict' && !(sameSource && rs.decision.sameSourceDuplicate === 'review')) {
      reasons.push('auto-link', 'dominant-among-multiple-persons', ...evidence.check.reasons);
      return linkAmongPersons(g, evidence, above.slice(1), sameSource);
    }
  }
  if (above.length >= 2) {
    // Persons the strong-identifier guard would not let the record link to are no
    // candidates for the pick. When exactly one person above the bar remains and its
    // record agrees on the strong identifier (present on both sides, not at a conflict
    // level), the identifier has already told the persons apart: this is the
    // single-person case, not a random pick. The conflicting persons become review tasks.
    const eligible = above.map((g) => ({ g, evidence: linkEvidence(g, rs) })).filter((x) => x.evidence.check.outcome !== 'conflict');
    if (eligible.length === 1) {
      const { g, evidence } = eligible[0];
      const sameSource = g.records.some((r) => r.organizationId === incoming.organizationId);
      if (evidence.check.outcome === 'none' && strongIdentifiersPresent(evidence.record.score, rs) && !(sameSource && rs.decision.sameSourceDuplicate === 'review')) {
        reasons.push('auto-link', 'strong-identifier-selects-person');
        return linkAmongPersons(g, evidence, above.filter((x) => x !== g), sameSource);
      }
    }
    reasons.push('multiple-persons-above-auto-link');
    return {
      outcome: 'review',
      personId: null,
      best,
      review: cap([...toReview(above, 'multiple-persons-above-auto-link'), ...toReview(band, 'review-band')]),
      sameSourceDuplicate: false,
      reasons: dedupReasons(),
    };
  }
  if (above.length === 1) {
    const g = above[0];
    const evidence = linkEvidence(g, rs);
    const { check } = evidence;
    if (check.outcome === 'conflict') {
      reasons.push(...check.reasons);
      return {
        outcome: 'review',
        personId: null,
        best,
        review: cap([...toReview([g], check.reasons[0]), ...toReview(band, 'review-band')]),
        sameSourceDuplicate: false,
        reasons: dedupReasons(),
      };
    }
    const sameSource = g.records.some((r) => r.organizationId === incoming.organizationId);
    if (sameSource && rs.decision.sameSourceDuplicate === 'review') {
      reasons.push('same-source-duplicate');
      return {
        outcome: 'review',
        personId: null,
        best,
        review: cap(toReview([g], 'same-source-duplicate')),
        sameSourceDuplicate: true,
        reasons: dedupReasons(),
      };
    }
    reasons.push('auto-link', ...check.reasons);
    if (evidence.viaOtherRecord) reasons.push('strong-identifier-conflict-other-record');
    if (sameSource) reasons.push('same-source-duplicate');
    return { outcome: 'linked', personId: g.personId, best: evidence.record, review: [], sameSourceDuplicate: sameSource, reasons: dedupReasons() };
  }
  if (band.length > 0) {
    reasons.push('review-band');
    return { outcome: 'review', personId: null, best, review: cap(toReview(band, 'review-band')), sameSourceDuplicate: false, reasons: dedupReasons() };
  }
  reasons.push(persons.length === 0 ? 'no-candidates' : 'below-review-threshold');
  return { outcome: 'new-person', personId: null, best, review: [], sameSourceDuplicate: false, reasons: dedupReasons() };
}
