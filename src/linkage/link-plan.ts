import type { Decision, MatchScore } from '../matching/engine/index.js';
import type { LinkEventKind, LinkRow, ReviewTaskWrite, RuleSetRef } from './link.repository.js';

/** What automatic matching writes for one record: its link, the history event and review tasks. */
export interface LinkPlan {
  personId: string;
  /** The person is new (the link statement creates it). */
  createPerson: boolean;
  link: { method: 'auto'; grade: LinkRow['grade']; score: number | null; probability: number | null; reason: string; flags: string[] };
  event: Extract<LinkEventKind, 'link' | 'relink' | 'rescore'>;
  previousPersonId: string | null;
  contributions: MatchScore['contributions'] | null;
  priorWeight: number | null;
  eventReason: string;
  reviewTasks: Array<Omit<ReviewTaskWrite, 'recordId'>>;
  /** The answer's shape (FeedResult without ids). */
  outcome: { personId: string; link: { method: string; grade: string | null; score: number | null; probability: number | null } };
}

/** The history event of a plan as `LinkRepository.writeLink` takes it. */
export function linkEventOf(plan: LinkPlan, requestId: string | null) {
  return {
    previousPersonId: plan.previousPersonId,
    event: plan.event,
    contributions: plan.contributions,
    priorWeight: plan.priorWeight,
    eventReason: plan.eventReason,
    requestId,
  };
}

/** The person a decision links to, or null when the record stays with a person of its own. */
export function linkedPersonOf(decision: Decision): string | null {
  return decision.outcome === 'linked' && decision.best ? decision.best.personId : null;
}

/**
 * Turns a decision into the link to write (shared by the single feed and batch chunks, so
 * both store the same link, event and review tasks). `ownPersonId` is the person the record
 * keeps when it links to nobody (see FeedService.ownPersonFor); ignored when it links.
 */
export function planLink(decision: Decision, current: Pick<LinkRow, 'personId'> | null, ownPersonId: string, ruleSet: RuleSetRef): LinkPlan {
  const linkedTo = linkedPersonOf(decision);
  const best = decision.best;
  const personId = linkedTo ?? ownPersonId;
  const link: LinkPlan['link'] =
    linkedTo && best
      ? {
          method: 'auto',
          grade: best.score.grade,
          score: best.score.weight,
          probability: best.score.probability,
          reason: 'auto-link',
          flags: decision.sameSourceDuplicate ? ['same-source-duplicate'] : [],
        }
      : { method: 'auto', grade: null, score: null, probability: null, reason: decision.outcome === 'review' ? 'review-pending' : 'new-person', flags: [] };
  const score = linkedTo ? (best?.score ?? null) : null;
  return {
    personId,
    createPerson: !linkedTo && personId !== current?.personId,
    link,
    event: !current ? 'link' : current.personId === personId ? 'rescore' : 'relink',
    previousPersonId: current && current.personId !== personId ? current.personId : null,
    contributions: score?.contributions ?? null,
    priorWeight: score?.priorWeight ?? decision.review[0]?.score.priorWeight ?? null,
    eventReason: [link.reason, ...decision.reasons].join(';'),
    reviewTasks: decision.review
      .filter((r) => r.personId !== personId)
      .map((r) => ({
        candidatePersonId: r.personId, candidateRecordId: r.recordId, score: r.score.weight, probability: r.score.probability,
        grade: r.score.grade, priorWeight: r.score.priorWeight, contributions: r.score.contributions, reason: r.reason, ruleSet,
      })),
    outcome: { personId, link: { method: link.method, grade: link.grade, score: link.score, probability: link.probability } },
  };
}
