import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LinkRepository } from './link.repository.js';

/**
 * Keeps each person's status in step with its records: a person left with no active record
 * is retired, one that has records again is active. (The golden view is derived on read
 * from the active records, so it can never be stale.)
 */
@Injectable()
export class PersonStateService {
  constructor(private readonly links: LinkRepository) {}

  /** Call for every person that may have lost (or regained) a record. One statement. */
  async refresh(personIds: string[], m: EntityManager): Promise<void> {
    if (personIds.length) await this.links.refreshPersonStatus([...new Set(personIds)], m);
  }
}
