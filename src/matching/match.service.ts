import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { Demographics, MatchScore } from './engine/index.js';
import { MatchingService } from './matching.service.js';

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
    private readonly matching: MatchingService,
    private readonly audit: AuditService,
  ) {}

  async match(demographics: Demographics, limit: number, actor: Actor, purpose?: string) {
    const persons = await this.matching.findPersons(demographics, limit);
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

  async compare(a: Demographics, b: Demographics) {
    return view(await this.matching.compare(a, b));
  }
}
