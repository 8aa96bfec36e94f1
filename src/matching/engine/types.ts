/**
 * Engine types. Input shapes mirror the API's demographics body (API.md); everything the
 * engine returns or stores is plain data, except the compiled rule set (which holds
 * compiled predicate closures and is rebuilt from the rule file at boot).
 */

export interface HumanName {
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
  use?: string;
}
export interface Address {
  line?: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}
/** `system` is 'phone' | 'email' | another FHIR ContactPoint system. */
export interface ContactPoint {
  system: string;
  value: string;
}
export interface Identifier {
  system: string;
  value: string;
}
export interface Demographics {
  name: HumanName[];
  birthDate?: string;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  address?: Address[];
  telecom?: ContactPoint[];
  identifiers?: Identifier[];
  mothersMaidenName?: string;
}

/** US Social Security Number identifier system (HL7 OID). */
export const SSN_SYSTEM = 'urn:oid:2.16.840.1.113883.4.1';

/** A normalized name token with everything the comparators and blocking need. */
export interface NameValue {
  /** Upper-case, diacritics and punctuation removed, compound parts joined without spaces. */
  text: string;
  /** Canonical given names this name may stand for (nickname table), incl. itself. */
  canon: string[];
  /** Parts of a compound / hyphenated name (particles dropped); one element when simple. */
  parts: string[];
  /** Double Metaphone codes (primary, alternate when different), length ≤ 4. */
  dm: readonly string[];
  /** Soundex code. */
  sx: string;
}

export interface BirthDate {
  year: number;
  month: number;
  day: number;
}

export interface AddressValue {
  /** Normalized full first line: number, street (abbreviated types), unit. */
  line: string;
  number: string | null;
  street: string | null;
  unit: string | null;
}

/**
 * The normalized form of one record. Plain JSON data (stored in a json column and read
 * back), version-tagged so a stored form from an older normalizer can be recognised.
 */
export interface NormalizedRecord {
  v: 1;
  given: NameValue | null;
  /** Further given names (middle names), normalized text only. */
  middle: string[];
  family: NameValue | null;
  birthDate: BirthDate | null;
  sex: 'M' | 'F' | 'O' | null;
  address: AddressValue | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  phones: string[];
  emails: string[];
  /** SSN-system digit string (7–9 digits), placeholders removed. */
  ssn: string | null;
  identifiers: Identifier[];
  mothersMaidenName: NameValue | null;
}

export type MatchGrade = 'certain' | 'probable' | 'possible' | 'certainly-not';

export interface Contribution {
  field: string;
  level: string;
  a: string | null;
  b: string | null;
  /** log2(m/u) (+ tfAdjustment); 0 for 'missing'. */
  weight: number;
  m?: number;
  u?: number;
  tfAdjustment?: number;
}

export interface MatchScore {
  weight: number;
  /**
   * The prior actually used for this pair, log2(λ/(1−λ)): from `rs.prior` and the record
   * count when the caller passed one, else from `rs.lambda` (see `priorWeightFor`).
   */
  priorWeight: number;
  probability: number;
  grade: MatchGrade;
  contributions: Contribution[];
}

export interface CandidateEvaluation {
  personId: string;
  recordId: string;
  organizationId: string;
  score: MatchScore;
  /** A steward asserted this record's person and the incoming record are different people. */
  noMatchAsserted: boolean;
}

export interface ReviewItem {
  personId: string;
  recordId: string;
  score: MatchScore;
  reason: string;
}

export interface Decision {
  outcome: 'new-person' | 'linked' | 'review';
  personId: string | null;
  best: CandidateEvaluation | null;
  review: ReviewItem[];
  sameSourceDuplicate: boolean;
  reasons: string[];
}

/** Frequency lookup: relative frequency (0..1) of a value among stored records, or undefined. */
export type TermFrequencyLookup = (field: string, value: string) => number | undefined;

// ---- compiled rule set -------------------------------------------------------------

export type ValueKind = 'name' | 'date' | 'text' | 'address';

/** Compiled test for one comparison level; a and b are the extracted, non-missing values. */
export type LevelTest = (a: unknown, b: unknown, ra: NormalizedRecord, rb: NormalizedRecord) => boolean;

export interface CompiledLevel {
  id: string;
  predicate: string;
  m: number;
  u: number;
  /** log2(m/u) */
  weight: number;
  test: LevelTest;
  /** Term-frequency adjustment applies at this level. */
  tf: boolean;
}

export interface CompiledTermFrequency {
  weight: number;
  minFrequency: number;
  maxAdjustment: number;
}

export interface CompiledField {
  id: string;
  value: string;
  kind: ValueKind;
  extract: (r: NormalizedRecord) => unknown;
  display: (v: unknown) => string;
  /** Value counted for term frequencies (undefined when the field's value is missing). */
  tfValue: ((r: NormalizedRecord) => string | undefined) | null;
  levels: CompiledLevel[];
  termFrequency: CompiledTermFrequency | null;
}

export interface CompiledBlockingRule {
  id: string;
  keys: string[];
  fns: Array<(r: NormalizedRecord) => string[]>;
  /** The largest block of this rule still read (the rule's own `maxBlockSize`, else the rule set's). */
  maxBlockSize: number;
}

export interface CompiledPrior {
  /** Share of incoming records whose person is already in the index, in (0, 1]. */
  expectedMatchShare: number;
  /** Floor on the record count N (integer ≥ 1). */
  minRecords: number;
}

/**
 * A candidate whose `field` comparison is at one of `levels` is a conflict (→ review),
 * unless, for every field named in `unlessAgree`, the pair is at one of the listed levels
 * (a missing value never agrees). When it fires and the pair is also, for every field of
 * `excludeIf`, at one of the listed levels, the candidate record is excluded altogether (not
 * the same person: no link and no review task). `reason` names the guard in decisions and
 * review tasks (`<reason>` for a conflict, `<reason>-waived` for a link the waiver let
 * through, `<reason>-excluded` for an excluded candidate). `kind` 'identifier' (the SSN
 * guard): the field is a strong identifier, so a record must carry it to vouch for a
 * person or to select one among several (see decide.ts); 'household': a guard on a
 * demographic field household members do not share (given name, birth date), which never
 * needs to be present for that.
 */
export interface StrongIdentifierConflictRule {
  kind: 'identifier' | 'household';
  field: string;
  levels: string[];
  unlessAgree: Record<string, string[]> | null;
  excludeIf: Record<string, string[]> | null;
  reason: string;
}

export interface CompiledRuleSet {
  id: string;
  version: string;
  /** sha256 (hex) of the canonical JSON of the raw rule set. */
  hash: string;
  description: string;
  /** Fallback λ, used when the caller does not know the number of stored records. */
  lambda: number;
  /** log2(λ/(1−λ)) of `lambda` (the fallback prior). */
  priorWeight: number;
  /**
   * Prior that follows the index size: λ(N) = expectedMatchShare / max(N, minRecords).
   * Null when the rule set has no `prior` block (then `lambda` is always used).
   */
  prior: CompiledPrior | null;
  thresholds: { autoLink: number; review: number };
  grades: { certain: number; probable: number; possible: number };
  fields: CompiledField[];
  blocking: { maxBlockSize: number; rules: CompiledBlockingRule[] };
  decision: {
    sameSourceDuplicate: 'link' | 'review';
    maxReviewTasks: number;
    strongIdentifierConflicts: StrongIdentifierConflictRule[];
    /**
     * Several persons above auto-link: link to the best only when its weight exceeds the
     * runner-up's by `dominanceBits` (the others become possible-duplicate review tasks);
     * null → always review.
     */
    multiplePersons: { dominanceBits: number } | null;
    /**
     * When a record links to a person, records waiting for review that it matches above
     * auto-link (each alone in a person of its own) are decided again, at most `maxRecords`
     * of them: the new member may be the evidence the first decision lacked. Only a link
     * changes anything; null → never.
     */
    reevaluatePendingReviews: { maxRecords: number } | null;
  };
  termFrequency: { minRecords: number };
}
