import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CandidateRepository, type CandidateRow } from './candidate.repository.js';
import {
  blockCap,
  blockCaps,
  blockingKeys,
  type CandidateEvaluation,
  compareLevels,
  type CompiledRuleSet,
  decide,
  type Decision,
  type Demographics,
  normalize,
  type NormalizedRecord,
  priorWeightFor,
  scoreLevelsLazily,
  scorePair,
  termFrequencyTerms,
  type MatchScore,
} from './engine/index.js';
import { compareLevelsAbove, PRUNED, prunedScore, pruningPlan } from './engine/prune.js';
import { type ExactCountBase, RecordCountCache } from './record-count.cache.js';
import { RULE_SET } from './rule-set.provider.js';
import { termKey, type Term } from './term-frequency.repository.js';

export interface PreparedRecord {
  normalized: NormalizedRecord;
  keys: string[];
  /** Each key's block-size cap (`blockCap`), in the order of `keys`. */
  caps: number[];
  terms: Term[];
}

export interface Evaluation {
  candidates: CandidateEvaluation[];
  decision: Decision;
  /** Blocking rules whose key was too common to use for this record (rule ids, no values). */
  oversizedRules: string[];
  recordCount: number;
  /** The candidates that wait for review (`CandidateRow.waiting`), by record id. */
  waiting: ReadonlySet<string>;
}

export interface PersonCandidate {
  personId: string;
  recordId: string;
  score: MatchScore;
}

/**
 * The database side of matching: feeds the pure engine with candidates, term frequencies,
 * the index size and no-match assertions, and returns its scores and decision.
 */
@Injectable()
export class MatchingService {
  private pairsScored = 0;
  private pairsPruned = 0;
  private oversizedBlocksSkipped = 0;
  private readonly pruning;

  constructor(
    @Inject(RULE_SET) readonly ruleSet: CompiledRuleSet,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly candidates: CandidateRepository,
    private readonly recordCount: RecordCountCache,
  ) {
    this.pruning = pruningPlan(ruleSet);
  }

  prepare(demographics: Demographics): PreparedRecord {
    return this.prepareNormalized(normalize(demographics));
  }

  /** `prepare` for a record normalized already (a stored record's `normalized`). */
  prepareNormalized(normalized: NormalizedRecord): PreparedRecord {
    const keys = blockingKeys(normalized, this.ruleSet);
    return { normalized, keys, caps: blockCaps(this.ruleSet, keys), terms: termFrequencyTerms(normalized, this.ruleSet) };
  }

  /** The costly half of scoring a pair (see `scoreAndDecide`'s `levelsOf`). */
  compareLevels(incoming: NormalizedRecord, candidate: NormalizedRecord): Int16Array {
    return compareLevels(incoming, candidate, this.ruleSet);
  }

  /**
   * `compareLevels`, or `PRUNED` when the pair cannot reach the review floor once scored with
   * an index of at least `recordCount` records (engine/prune.ts): give `scoreAndDecide` the
   * result with `prune: true`.
   */
  compareLevelsAbove(incoming: NormalizedRecord, candidate: NormalizedRecord, recordCount: number): Int16Array {
    return compareLevelsAbove(incoming, candidate, this.ruleSet, this.pruning, priorWeightFor(this.ruleSet, recordCount));
  }

  /** The largest block of a key still read (its rule's cap): `blockCap`. */
  blockCap(key: string): number {
    return blockCap(this.ruleSet, key);
  }

  termsOf(normalized: NormalizedRecord): Term[] {
    return termFrequencyTerms(normalized, this.ruleSet);
  }

  /** Scores an incoming record against its blocking candidates and decides, inside `m`'s transaction. */
  async evaluate(
    incoming: { recordId: string | null; organizationId: string; prepared: PreparedRecord; isNew?: boolean },
    m: EntityManager,
    /** The index size to score with, when the caller knows it better than the cache (records activated earlier in its transaction). */
    knownRecordCount?: number,
  ): Promise<Evaluation> {
    const recordCount = knownRecordCount ?? (await this.recordCount.get(m));
    const useTf = this.usesTermFrequencies(recordCount);
    const { candidates: rows, oversizedKeys, termCounts } = await this.candidates.findCandidatesByBlockingKeys(
      incoming.prepared.keys,
      incoming.prepared.caps,
      incoming.recordId,
      m,
      useTf ? incoming.prepared.terms : [],
    );
    // A record stored just now can have no steward assertion yet.
    const asserted =
      incoming.recordId && !incoming.isNew && rows.length ? await this.candidates.personsAssertedDifferent(incoming.recordId, m) : new Set<string>();
    return this.decideFetched(incoming, { candidates: rows, oversizedKeys, termCounts }, recordCount, asserted);
  }

  /**
   * `evaluate` for candidates the caller read itself (a new record's feed reads them in the
   * statement that looks for the stored record; see FeedRepository.lookUp), with the same
   * counting. `fetched.termCounts` must hold the incoming record's terms when `recordCount`
   * reaches the term-frequency floor.
   */
  decideFetched(
    incoming: { organizationId: string; prepared: PreparedRecord },
    fetched: { candidates: readonly CandidateRow[]; oversizedKeys: readonly string[]; termCounts: ReadonlyMap<string, number> },
    recordCount: number,
    asserted: ReadonlySet<string> = new Set(),
  ): Evaluation {
    const { candidates, decision } = this.scoreAndDecide(incoming, fetched.candidates, { recordCount, termCounts: fetched.termCounts, asserted });
    this.oversizedBlocksSkipped += fetched.oversizedKeys.length;
    const waiting = new Set(fetched.candidates.filter((c) => c.waiting).map((c) => c.recordId));
    return { candidates, decision, oversizedRules: oversizedRulesOf(fetched.oversizedKeys), recordCount, waiting };
  }

  /**
   * The pure half of `evaluate`: scores the candidates the caller fetched (the single feed
   * from the database, a batch chunk from the database plus the chunk's earlier rows) and
   * decides. `termCounts` must hold the incoming record's terms (keys from `termKey`).
   * `levelsOf` may give a candidate's comparison levels computed earlier (`compareLevels`,
   * as a batch chunk does before it takes its lock): the score is the same. With `prune`, a
   * candidate that cannot reach the review floor (levels `PRUNED`, or found so here) gets a
   * score below it without being scored (`prunedScore`): the decision is the same, but for
   * `best` of a new-person decision, which may then be another candidate below the floor.
   */
  scoreAndDecide(
    incoming: { organizationId: string; prepared: PreparedRecord },
    rows: readonly CandidateRow[],
    context: {
      recordCount: number;
      termCounts: ReadonlyMap<string, number>;
      asserted: ReadonlySet<string>;
      levelsOf?: (c: CandidateRow) => Int16Array | undefined;
      prune?: boolean;
    },
  ): Pick<Evaluation, 'candidates' | 'decision'> {
    const { recordCount, termCounts, asserted, levelsOf, prune } = context;
    const rs = this.ruleSet;
    const a = incoming.prepared.normalized;
    const prior = priorWeightFor(rs, recordCount);
    // Frequencies from a small index are noise: below the rule set's floor, no adjustment.
    const useTf = this.usesTermFrequencies(recordCount);
    // Asked once per candidate for the same few (field, value) pairs of the incoming record.
    const seen = new Map<string, { value: string; freq: number | undefined }>();
    const tf = (field: string, value: string): number | undefined => {
      const hit = seen.get(field);
      if (hit && hit.value === value) return hit.freq;
      const n = useTf ? termCounts.get(termKey({ field, value })) : undefined;
      const freq = n ? n / recordCount : undefined;
      seen.set(field, { value, freq });
      return freq;
    };
    let pruned = 0;
    const scoreOf = (c: CandidateRow): MatchScore => {
      let levels = levelsOf?.(c);
      if (prune && levels === undefined) levels = compareLevelsAbove(a, c.normalized, rs, this.pruning, prior);
      if (levels === PRUNED) {
        pruned++;
        return prunedScore(prior, () => scorePair(a, c.normalized, rs, tf, { recordCount }).contributions);
      }
      return levels ? scoreLevelsLazily(a, () => c.normalized, levels, rs, tf, { recordCount }) : scorePair(a, c.normalized, rs, tf, { recordCount });
    };
    const candidates = rows.map((c: CandidateRow) => ({
      personId: c.personId,
      recordId: c.recordId,
      organizationId: c.organizationId,
      score: scoreOf(c),
      noMatchAsserted: asserted.has(c.personId),
    }));
    this.pairsScored += candidates.length - pruned;
    this.pairsPruned += pruned;
    const decision = decide({ organizationId: incoming.organizationId }, candidates, this.ruleSet);
    return { candidates, decision };
  }

  /** Pairs found pruned before scoring and left out of it (decisiveCandidates): counted as pruned. */
  countPrunedUnscored(n: number): void {
    this.pairsPruned += n;
  }

  usesTermFrequencies(recordCount: number): boolean {
    return recordCount >= this.ruleSet.termFrequency.minRecords;
  }

  /** The index size the prior and term frequencies use (cached for a few seconds). */
  recordCountFor(m: EntityManager): Promise<number> {
    return this.recordCount.get(m);
  }

  /** The index size as last counted, without reading the table (e.g. inside an older snapshot). */
  recordCountKnown(): number {
    return this.recordCount.peek();
  }

  /** A batch chunk's exact index size to count the next one from (RecordCountCache.exactBase). */
  exactCountBase(): ExactCountBase | null {
    return this.recordCount.exactBase();
  }

  setExactCountBase(base: ExactCountBase | null): void {
    this.recordCount.setExactBase(base);
  }

  /** Counts oversized blocks a batch chunk skipped (for the metrics route). */
  countOversized(n: number): void {
    this.oversizedBlocksSkipped += n;
  }

  /** Read-only: the persons these demographics may belong to, best first (certain, probable, possible). */
  async findPersons(demographics: Demographics, limit: number): Promise<PersonCandidate[]> {
    const prepared = this.prepare(demographics);
    const { candidates } = await this.evaluate({ recordId: null, organizationId: '', prepared }, this.dataSource.manager);
    const best = new Map<string, PersonCandidate>();
    for (const c of candidates) {
      if (c.score.grade === 'certainly-not') continue;
      const seen = best.get(c.personId);
      if (!seen || c.score.weight > seen.score.weight) best.set(c.personId, { personId: c.personId, recordId: c.recordId, score: c.score });
    }
    return [...best.values()].sort((a, b) => b.score.weight - a.score.weight).slice(0, limit);
  }

  /** Scores two ad-hoc demographics against each other (nothing stored is read but the index size). */
  async compare(a: Demographics, b: Demographics): Promise<MatchScore> {
    const recordCount = await this.recordCount.get();
    return scorePair(normalize(a), normalize(b), this.ruleSet, undefined, { recordCount });
  }

  metrics() {
    const { id, version, hash } = this.ruleSet;
    return { ruleSet: { id, version, hash }, pairsScored: this.pairsScored, pairsPruned: this.pairsPruned, oversizedBlocksSkipped: this.oversizedBlocksSkipped };
  }

  /** After a commit that made `n` records active (negative: retired): the index size follows at once. */
  recordsActivated(n: number): void {
    this.recordCount.add(n);
  }

  /** A transaction about to commit makes `n` records active; `settleRecordsActivated` once it has (or has failed). */
  recordsActivatedPending(n: number): void {
    this.recordCount.addPending(n);
  }

  settleRecordsActivated(n: number, committed: boolean): void {
    this.recordCount.settle(n, committed);
  }

  invalidateRecordCount(): void {
    this.recordCount.invalidate();
  }
}

/** Blocking rule ids of oversized keys (rule ids only: a key's value may be PHI). */
export function oversizedRulesOf(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.split(':')[0]))];
}
