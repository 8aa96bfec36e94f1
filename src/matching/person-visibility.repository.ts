import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Which persons a query may show: active and not opted out (DESIGN.md §2, invariant 5). */
@Injectable()
export class PersonVisibilityRepository {
  async visibleAmong(personIds: string[], m: EntityManager): Promise<Set<string>> {
    if (!personIds.length) return new Set();
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM person WHERE id = ANY($1::uuid[]) AND status = 'active' AND consent = 'opt-in'`,
      [personIds],
    );
    return new Set(rows.map((r) => r.id));
  }
}
