import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { runInTransaction } from '../database/transaction.js';
import { SourceRecordsRepository } from '../identities/source-records.repository.js';
import { MatchingService } from '../matching/matching.service.js';
import { linkView } from './feed.service.js';
import { LinkageError } from './linkage.errors.js';
import { LinkRepository, type LinkRow, type PersonRow, type RuleSetRef } from './link.repository.js';
import { PersonStateService } from './person-state.service.js';
import { StewardshipRepository } from './stewardship.repository.js';

export interface LinkChange {
  recordId: string;
  personId: string;
  previousPersonId: string | null;
  link: ReturnType<typeof linkView>;
}

interface Locked {
  links: Map<string, LinkRow>;
  persons: Map<string, PersonRow>;
}

export interface StewardContext {
  actor: Actor;
  note?: string | null;
  /** The review task this decision resolves, for the audit trail. */
  reviewTaskId?: string;
}

/**
 * A steward's link decisions on one record: link it to a person (moving it if need be) and
 * unlink it (it gets a person of its own). Both are manual links, which automatic matching
 * never changes (DESIGN.md invariant 2), and both run in one transaction serialized with
 * feeds on the records' keys.
 */
@Injectable()
export class StewardLinksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: SourceRecordsRepository,
    private readonly links: LinkRepository,
    private readonly stewardship: StewardshipRepository,
    private readonly persons: PersonStateService,
    private readonly matching: MatchingService,
    private readonly audit: AuditService,
  ) {}

  link(personId: string, recordId: string, ctx: StewardContext): Promise<LinkChange> {
    return runInTransaction(this.dataSource, async (m) => {
      const locked = await this.lockRecords([recordId], [personId], m);
      return this.linkLocked(personId, recordId, locked, ctx, m);
    });
  }

  /**
   * Links the record to whichever person `anchorRecordId` belongs to (read under the locks),
   * in the caller's transaction: a steward's "same person" on a review task.
   */
  async linkToPersonOf(anchorRecordId: string, recordId: string, ctx: StewardContext, m: EntityManager): Promise<LinkChange> {
    const locked = await this.lockRecords([recordId, anchorRecordId], [], m);
    const anchor = locked.links.get(anchorRecordId);
    if (!anchor) throw LinkageError.recordNotFound();
    return this.linkLocked(anchor.personId, recordId, locked, ctx, m);
  }

  /**
   * "These two records are different people", in the caller's transaction: automatic
   * matching never links them again (their persons are excluded for each other).
   */
  async assertDifferent(recordId: string, otherRecordId: string, ctx: StewardContext, m: EntityManager): Promise<void> {
    await this.lockRecords([recordId, otherRecordId], [], m);
    await this.stewardship.assertNoMatch([[recordId, otherRecordId]], 'review', ctx.actor.clientId, ctx.note ?? null, m);
  }

  /**
   * The record joins the person as a steward's decision. A record already there becomes
   * sticky; no-match assertions between the record and the person's records are removed
   * (this later decision overrides them).
   */
  private async linkLocked(personId: string, recordId: string, locked: Locked, ctx: StewardContext, m: EntityManager): Promise<LinkChange> {
    const target = locked.persons.get(personId);
    if (!target) throw LinkageError.personNotFound();
    if (target.status !== 'active') throw LinkageError.personNotActive(target.status);
    const link = locked.links.get(recordId)!;
    const moved = link.personId !== personId;
    const removed = moved ? await this.stewardship.removeNoMatch([recordId], await this.stewardship.allRecordIdsOf(personId, m), m) : [];
    const written = manualLink(recordId, personId, 'manual-link', this.ruleSetRef(), ctx.actor);
    await this.links.writeLink(written, {
      event: 'manual-link',
      previousPersonId: moved ? link.personId : null,
      contributions: null,
      priorWeight: null,
      requestId: ctx.actor.requestId,
      note: ctx.note ?? null,
    }, m);
    if (moved) await this.persons.refresh([link.personId, personId], m);
    await this.stewardship.settleTasks([recordId], [recordId], ctx.actor.clientId, m, ctx.reviewTaskId);
    await this.audit.record(
      {
        action: 'steward.link',
        outcome: 'success',
        actor: ctx.actor,
        targetType: 'source-record',
        targetIds: [recordId],
        personIds: [...new Set([personId, link.personId])],
        details: { moved, noMatchAssertionsRemoved: removed.length, ...(ctx.reviewTaskId ? { reviewTaskId: ctx.reviewTaskId } : {}) },
      },
      m,
    );
    return { recordId, personId, previousPersonId: moved ? link.personId : null, link: linkView(written) };
  }

  /**
   * Takes the record out of the person: it gets a new person of its own (with the same
   * consent), and a no-match assertion with each record it leaves, so automatic matching
   * never puts them back together.
   */
  unlink(personId: string, recordId: string, ctx: StewardContext): Promise<LinkChange> {
    return runInTransaction(this.dataSource, async (m) => {
      const locked = await this.lockRecords([recordId], [personId], m);
      if (locked.links.get(recordId)!.personId !== personId) throw LinkageError.recordNotInPerson();
      const person = locked.persons.get(personId)!;
      const others = (await this.stewardship.activeRecordIdsOf(personId, m)).filter((id) => id !== recordId);
      if (!others.length) throw LinkageError.recordIsAlone();
      const newPersonId = randomUUID();
      const written = manualLink(recordId, newPersonId, 'manual-unlink', this.ruleSetRef(), ctx.actor);
      await this.links.writeLink(
        written,
        { event: 'manual-unlink', previousPersonId: personId, contributions: null, priorWeight: null, requestId: ctx.actor.requestId, note: ctx.note ?? null },
        m,
        { createPerson: true },
      );
      // A split must not expose a patient who opted out.
      if (person.consent !== 'opt-in') await this.stewardship.setConsent(newPersonId, person.consent, m);
      await this.stewardship.assertNoMatch(others.map((o) => [recordId, o]), 'unlink', ctx.actor.clientId, ctx.note ?? null, m);
      await this.persons.refresh([personId], m);
      await this.stewardship.settleTasks([recordId], [recordId], ctx.actor.clientId, m);
      await this.audit.record(
        {
          action: 'steward.unlink',
          outcome: 'success',
          actor: ctx.actor,
          targetType: 'source-record',
          targetIds: [recordId],
          personIds: [personId, newPersonId],
          details: { noMatchAssertionsAdded: others.length },
        },
        m,
      );
      return { recordId, personId: newPersonId, previousPersonId: personId, link: linkView(written) };
    });
  }

  /**
   * Locks the records (which must be active), their persons and `personIds`, and reads the
   * records' links under the locks; a person a record moved to while we waited is locked too.
   */
  private async lockRecords(recordIds: string[], personIds: string[], m: EntityManager): Promise<Locked> {
    const linksNow = async () => {
      if ((await this.records.findActiveByIds(recordIds, m)).length !== new Set(recordIds).size) throw LinkageError.recordNotFound();
      return new Map(await Promise.all(recordIds.map(async (id) => [id, (await this.links.findLink(id, m))!] as const)));
    };
    let links = await linksNow();
    const wanted = () => [...new Set([...personIds, ...[...links.values()].map((l) => l.personId)])];
    let lockedIds = wanted();
    const persons = await this.stewardship.lockPersons(lockedIds, recordIds, m);
    for (;;) {
      links = await linksNow();
      const missing = wanted().filter((id) => !lockedIds.includes(id));
      if (!missing.length) return { links, persons };
      lockedIds = [...lockedIds, ...missing];
      for (const [id, p] of await this.stewardship.lockPersons(lockedIds, recordIds, m)) persons.set(id, p);
    }
  }

  private ruleSetRef(): RuleSetRef {
    const { id, version, hash } = this.matching.ruleSet;
    return { id, version, hash };
  }
}

/** A steward's link: sticky, and as sure as a link gets. */
function manualLink(recordId: string, personId: string, reason: string, ruleSet: RuleSetRef, actor: Actor) {
  return {
    recordId,
    personId,
    method: 'manual' as const,
    grade: 'certain' as const,
    score: null,
    probability: null,
    reason,
    flags: [],
    ruleSet,
    actorClientId: actor.clientId,
  };
}
