/**
 * Public API of the matching engine (pure TypeScript; no framework, database or I/O).
 */
export { normalize } from './normalize.js';
export { compileRuleSet, canonicalJson, type CompileResult } from './rule-set.js';
export { blockingKeys, blockCap, blockCaps, BLOCKING_KEY_FUNCTIONS } from './blocking.js';
export {
  compareRecords,
  compareLevels,
  scorePair,
  scoreLevels,
  scoreLevelsLazily,
  priorWeightFor,
  termFrequencyTerms,
  weightToProbability,
  gradeFor,
  type FieldComparison,
  type ScoreContext,
} from './scoring.js';
export { decide, strongIdentifierConflict } from './decide.js';
export { pendingToReevaluate, settlesPendingReview } from './reevaluate.js';
export { explain, type WaterfallStep } from './explain.js';
export { LEVEL_PREDICATES, VALUE_EXTRACTORS } from './comparators.js';
export {
  SSN_SYSTEM,
  type Address,
  type CandidateEvaluation,
  type CompiledPrior,
  type CompiledRuleSet,
  type ContactPoint,
  type Contribution,
  type Decision,
  type Demographics,
  type HumanName,
  type Identifier,
  type MatchGrade,
  type MatchScore,
  type NormalizedRecord,
  type ReviewItem,
  type StrongIdentifierConflictRule,
  type TermFrequencyLookup,
} from './types.js';
