import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Demographics } from '../matching/engine/index.js';
import { buildGoldenView } from './golden-view.js';
import { LinkRepository } from './link.repository.js';

/** Keeps each person's status and golden view in step with its active records. */
@Injectable()
export class PersonStateService {
  constructor(private readonly links: LinkRepository) {}

  /** A person with no active record left is retired; otherwise its golden view is rebuilt. */
  async refresh(personIds: string[], m: EntityManager): Promise<void> {
    for (const personId of personIds) {
      const records = await this.links.activeRecordsOf(personId, m);
      const golden = buildGoldenView(records.map((r) => ({ demographics: r.demographics as unknown as Demographics, updatedAt: new Date(r.updatedAt) })));
      // A merged-away person keeps its state (its records moved to the survivor).
      await this.links.setPersonState(personId, { status: records.length ? 'active' : 'retired', golden }, m);
    }
  }
}
