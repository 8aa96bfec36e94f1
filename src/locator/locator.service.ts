import { Injectable } from '@nestjs/common';
import { type AuditFixedFields, auditFixedFields } from '../audit/audit-statement.js';
import type { Actor } from '../auth/auth.decorators.js';
import { type Demographics, type MatchGrade, normalize, SSN_SYSTEM } from '../matching/engine/index.js';
import { MatchService } from '../matching/match.service.js';
import type { LocatorGrade } from './dto/locator.dto.js';
import { type IdentifierMatch, type LocationFilters, LocatorRepository, type RecordLocations } from './locator.repository.js';

export interface LocatorFilters {
  organization?: string;
  connectionType?: string;
  minGrade?: LocatorGrade;
  purpose?: string;
}

const GRADE_RANK: Record<MatchGrade, number> = { certain: 3, probable: 2, possible: 1, 'certainly-not': 0 };
const GRADES_AT_LEAST: Record<LocatorGrade, string[]> = {
  certain: ['certain'],
  probable: ['certain', 'probable'],
  possible: ['certain', 'probable', 'possible'],
};

/**
 * The record locator (DESIGN.md §5): where does this patient have records? Given an
 * identifier, a person id or demographics, it answers with pointers only — organization,
 * the patient's id there, the link's grade, endpoints — never demographics. Every call
 * writes one audit event naming the persons disclosed (never the identifier's value), in the
 * same statement as the lookup.
 */
@Injectable()
export class LocatorService {
  constructor(
    private readonly locator: LocatorRepository,
    private readonly match: MatchService,
  ) {}

  /**
   * `system|value`. An identifier that resolves to more than one person answers like an
   * unknown one (never two persons' records in one answer); the audit says it was ambiguous.
   */
  async byIdentifier(identifier: string, filters: LocatorFilters, actor: Actor): Promise<RecordLocations> {
    const bar = identifier.indexOf('|');
    const system = identifier.slice(0, bar);
    const value = identifier.slice(bar + 1);
    // An organization's assigning authority: its MRN. Otherwise another identifier system.
    // The audit event names the identifier's system only: its value is PHI.
    const audit = auditOf('locator.identifier', filters, actor, { identifierSystem: system });
    return this.locator.locateByIdentifier(system, value, identifierMatch(system, value), toLocationFilters(filters), audit);
  }

  async byPerson(personId: string, filters: LocatorFilters, actor: Actor): Promise<RecordLocations> {
    const audit = auditOf('locator.person', filters, actor, {}, [personId]);
    return this.locator.locateByPersons([personId], toLocationFilters(filters), audit);
  }

  /**
   * Demographics go through matching; only a `certain` match locates, unless a steward asks
   * for a lower grade (`minGrade`, which then also bounds the links). The best candidate
   * locates when no other candidate shares its grade; two at the best grade are ambiguous.
   */
  async byDemographics(demographics: Demographics, filters: LocatorFilters, actor: Actor): Promise<RecordLocations> {
    const matchGrade: LocatorGrade = actor.scopes.includes('steward') && filters.minGrade ? filters.minGrade : 'certain';
    const candidates = (await this.match.findVisiblePersons(demographics, 2)).filter((c) => GRADE_RANK[c.score.grade] >= GRADE_RANK[matchGrade]);
    const decisive = candidates.length === 1 || (candidates.length > 1 && candidates[0].score.grade !== candidates[1].score.grade);
    const personIds = decisive ? [candidates[0].personId] : candidates.map((c) => c.personId);
    const audit = auditOf('locator.search', filters, actor, { matchGrade });
    return this.locator.locateByPersons(personIds, toLocationFilters(filters), audit);
  }
}

/**
 * The audit event of a lookup, but for what only its statement knows: the outcome ('denied'
 * when the input fits several persons: nothing is disclosed), the persons disclosed, the
 * number of locations and the resolution (found, not-found, ambiguous).
 */
function auditOf(action: string, filters: LocatorFilters, actor: Actor, details: Record<string, unknown>, targetIds: string[] = []): AuditFixedFields {
  return auditFixedFields({
    action,
    actor,
    purpose: filters.purpose,
    targetType: 'person',
    targetIds,
    details: {
      ...details,
      ...(filters.organization ? { organization: filters.organization } : {}),
      ...(filters.connectionType ? { connectionType: filters.connectionType } : {}),
      ...(filters.minGrade ? { minGrade: filters.minGrade } : {}),
    },
  });
}

/** The identifier in the form the feed stored it (the engine's normalizer: SSN digits, trimmed values). */
function identifierMatch(system: string, value: string): IdentifierMatch {
  const n = normalize({ name: [], identifiers: [{ system, value }] });
  if (system.trim() === SSN_SYSTEM) return { kind: 'ssn', digits: n.ssn };
  const id = n.identifiers[0];
  return id ? { kind: 'other', system: id.system, value: id.value } : { kind: 'other', system: '', value: '' };
}

function toLocationFilters(f: LocatorFilters): LocationFilters {
  return { organizationId: f.organization ?? null, connectionType: f.connectionType ?? null, grades: f.minGrade ? GRADES_AT_LEAST[f.minGrade] : null };
}
