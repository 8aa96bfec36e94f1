import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { Demographics, MatchScore } from './engine/index.js';
import { MatchingService, type PersonCandidate } from './matching.service.js';
import { PersonVisibilityRepository } from './person-visibility.repository.js';

const view = (s: MatchScore) => ({
  score: s.weight,
  probability: s.probability,
  grade: s.grade,
  priorWeight: s.priorWeight,
  contributions: s.contributions.map((c) => ({ field: c.field, level: c.level, a: c.a, b: c.b, weight: c.weight, ...(c.tfAdjustment ? { tfAdjustment: c.tfAdjustment } : {}) })),
});

/** The read-only matching calls ($match-style search and pairwise compare). */
@Injectable()
export class MatchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly matching: MatchingService,
    private readonly visibility: PersonVisibilityRepository,
    private readonly audit: AuditService,
  ) {}

  async match(demographics: Demographics, limit: number, actor: Actor, purpose?: string) {
    const persons = await this.findVisiblePersons(demographics, limit);
    await this.audit.record({
      action: 'match.query',
      outcome: 'success',
      actor,
      purpose,
      targetType: 'person',
      personIds: persons.map((p) => p.personId),
      resultCount: persons.length,
    });
    return { candidates: persons.map((p) => ({ personId: p.personId, ...view(p.score) })) };
  }

  /**
   * The persons these demographics may belong to, best first, without the ones a query may
   * not show (opted out): those are left out before the limit, as if they did not exist.
   */
  async findVisiblePersons(demographics: Demographics, limit: number): Promise<PersonCandidate[]> {
    const all = await this.matching.findPersons(demographics, Number.MAX_SAFE_INTEGER);
    const visible = await this.visibility.visibleAmong(all.map((p) => p.personId), this.dataSource.manager);
    return all.filter((p) => visible.has(p.personId)).slice(0, limit);
  }

  async compare(a: Demographics, b: Demographics) {
    return view(await this.matching.compare(a, b));
  }
}
