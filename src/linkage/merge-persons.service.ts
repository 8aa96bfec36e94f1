import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { runInTransaction } from '../database/transaction.js';
import { MatchingService } from '../matching/matching.service.js';
import { LinkageError } from './linkage.errors.js';
import { LinkRepository, type Consent } from './link.repository.js';
import { MergeRepository, type MergeRow } from './merge.repository.js';
import { PersonStateService } from './person-state.service.js';
import { StewardshipRepository } from './stewardship.repository.js';

export interface MergeResult {
  mergeId: string;
  personId: string;
  mergedPersonId: string;
  movedRecordIds: string[];
}

export interface UnmergeResult {
  mergeId: string;
  status: 'undone';
  personId: string;
  restoredPersonId: string;
  restoredRecordIds: string[];
  /** Records of the merged person a later steward decision placed elsewhere: left where they are. */
  notRestored: Array<{ recordId: string; personId: string; reason: 'moved-after-merge' }>;
}

export interface MergeView {
  mergeId: string;
  personId: string;
  mergedPersonId: string;
  status: MergeRow['status'];
  note: string | null;
  createdAt: Date;
  createdBy: string | null;
  undoneAt: Date | null;
  undoneBy: string | null;
  movedRecordIds: string[];
}

/**
 * Merging two persons and undoing it.
 *
 * A merge moves every link of the merged person (retired records too) to the survivor as a
 * steward's (sticky) link, marks the merged person `merged` into the survivor, and keeps a
 * snapshot of each moved link and of the no-match assertions it overrode.
 *
 * Undo restores that snapshot: each moved record still linked to the survivor goes back to
 * the merged person with its link exactly as before (method, grade, score, rule set, time),
 * the assertions come back, and the merged person is active again. What happened in between
 * is kept, not rolled back: a record fed after the merge that linked to the survivor stays
 * with it (it was matched against the merged person as a whole); a moved record whose
 * demographics were updated goes back with its new demographics; a moved record a steward
 * later placed elsewhere stays there (reported as `notRestored`); a moved record retired
 * since goes back retired. Consent: a choice the patient made after the merge (on the
 * survivor) applies to both persons; otherwise each gets its own consent from before.
 * A survivor that was itself merged later must be unmerged first (LIFO).
 */
@Injectable()
export class MergePersonsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly links: LinkRepository,
    private readonly stewardship: StewardshipRepository,
    private readonly merges: MergeRepository,
    private readonly persons: PersonStateService,
    private readonly matching: MatchingService,
    private readonly audit: AuditService,
  ) {}

  merge(survivorId: string, mergedId: string, actor: Actor, note: string | null = null): Promise<MergeResult> {
    if (survivorId === mergedId) throw LinkageError.samePerson();
    return runInTransaction(this.dataSource, async (m) => {
      const persons = await this.stewardship.lockPersons([survivorId, mergedId], [], m);
      for (const id of [survivorId, mergedId]) {
        const p = persons.get(id);
        if (!p) throw LinkageError.personNotFound();
        if (p.status !== 'active') throw LinkageError.personNotActive(p.status);
      }
      const survivor = persons.get(survivorId)!;
      const merged = persons.get(mergedId)!;
      const movedLinks = await this.stewardship.linksOf(mergedId, m);
      const removedAssertions = await this.stewardship.removeNoMatch(
        movedLinks.map((l) => l.recordId),
        await this.stewardship.allRecordIdsOf(survivorId, m),
        m,
      );
      const mergeId = randomUUID();
      await this.merges.insert(
        mergeId,
        { survivorId, mergedId, movedLinks, removedAssertions, survivorConsent: survivor.consent, mergedConsent: merged.consent, note, createdBy: actor.clientId },
        m,
      );
      const ruleSet = this.ruleSetRef();
      await this.stewardship.moveAllLinks(mergedId, survivorId, 'merge', ruleSet, actor.clientId, m);
      for (const l of movedLinks) {
        await this.links.appendEvent(
          {
            recordId: l.recordId, personId: survivorId, previousPersonId: mergedId, event: 'merge', method: 'manual', grade: 'certain',
            score: null, probability: null, contributions: null, priorWeight: null, reason: 'merge', ruleSet,
            actorClientId: actor.clientId, requestId: actor.requestId, mergeId, note,
          },
          m,
        );
      }
      await this.stewardship.markMerged(mergedId, survivorId, m);
      // The merged identity is as private as the more private of the two.
      if (merged.consent === 'opt-out' && survivor.consent !== 'opt-out') await this.stewardship.setConsent(survivorId, 'opt-out', m);
      await this.persons.refresh([survivorId], m);
      const movedIds = movedLinks.map((l) => l.recordId);
      await this.stewardship.settleTasks(movedIds, [], actor.clientId, m);
      await this.audit.record(
        {
          action: 'steward.merge',
          outcome: 'success',
          actor,
          targetType: 'person',
          targetIds: [survivorId, mergedId],
          personIds: [survivorId, mergedId],
          details: { mergeId, movedRecords: movedIds.length, noMatchAssertionsRemoved: removedAssertions.length },
        },
        m,
      );
      return { mergeId, personId: survivorId, mergedPersonId: mergedId, movedRecordIds: movedIds };
    });
  }

  undo(mergeId: string, actor: Actor): Promise<UnmergeResult> {
    return runInTransaction(this.dataSource, async (m) => {
      const first = await this.merges.find(mergeId, m);
      if (!first) throw LinkageError.mergeNotFound();
      const persons = await this.stewardship.lockPersons([first.survivorId, first.mergedId], first.movedLinks.map((l) => l.recordId), m);
      const merge = (await this.merges.find(mergeId, m, true))!;
      if (merge.status !== 'active') throw LinkageError.mergeAlreadyUndone();
      const survivor = persons.get(merge.survivorId)!;
      if (survivor.status === 'merged') {
        const later = await this.merges.findActiveMergeOf(survivor.id, m);
        throw LinkageError.mergeBlocked(later?.id ?? 'unknown');
      }
      const current = new Map((await this.stewardship.linksOfRecords(merge.movedLinks.map((l) => l.recordId), m)).map((l) => [l.recordId, l]));
      const restored: string[] = [];
      const notRestored: UnmergeResult['notRestored'] = [];
      await this.stewardship.markUnmerged(merge.mergedId, m);
      for (const snapshot of merge.movedLinks) {
        const now = current.get(snapshot.recordId)!;
        if (now.personId !== merge.survivorId) {
          notRestored.push({ recordId: snapshot.recordId, personId: now.personId, reason: 'moved-after-merge' });
          continue;
        }
        await this.stewardship.restoreLink(snapshot, m);
        await this.links.appendEvent(
          {
            recordId: snapshot.recordId, personId: merge.mergedId, previousPersonId: merge.survivorId, event: 'unmerge',
            method: snapshot.method, grade: snapshot.grade, score: snapshot.score, probability: snapshot.probability,
            contributions: null, priorWeight: null, reason: 'unmerge',
            ruleSet: { id: snapshot.ruleSetId, version: snapshot.ruleSetVersion, hash: snapshot.ruleSetHash },
            actorClientId: actor.clientId, requestId: actor.requestId, mergeId,
          },
          m,
        );
        restored.push(snapshot.recordId);
      }
      await this.stewardship.restoreNoMatch(merge.removedAssertions, m);
      const consents = this.consentsAfterUndo(merge, survivor.consent, survivor.consentUpdatedAt);
      await this.stewardship.setConsent(merge.survivorId, consents.survivor, m);
      await this.stewardship.setConsent(merge.mergedId, consents.merged, m);
      await this.merges.markUndone(mergeId, actor.clientId, m);
      await this.persons.refresh([merge.survivorId, merge.mergedId], m);
      await this.audit.record(
        {
          action: 'steward.unmerge',
          outcome: 'success',
          actor,
          targetType: 'person',
          targetIds: [merge.survivorId, merge.mergedId],
          personIds: [merge.survivorId, merge.mergedId],
          details: { mergeId, restoredRecords: restored.length, notRestored: notRestored.length },
        },
        m,
      );
      return { mergeId, status: 'undone', personId: merge.survivorId, restoredPersonId: merge.mergedId, restoredRecordIds: restored, notRestored };
    });
  }

  async list(personId: string): Promise<MergeView[]> {
    const rows = await this.merges.listFor(personId, this.dataSource.manager);
    return rows.map((r) => ({
      mergeId: r.id,
      personId: r.survivorId,
      mergedPersonId: r.mergedId,
      status: r.status,
      note: r.note,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      undoneAt: r.undoneAt,
      undoneBy: r.undoneBy,
      movedRecordIds: r.movedLinks.map((l) => l.recordId),
    }));
  }

  private consentsAfterUndo(merge: MergeRow, survivorNow: Consent, survivorChangedAt: Date | null | undefined): { survivor: Consent; merged: Consent } {
    if (survivorChangedAt && new Date(survivorChangedAt) > new Date(merge.createdAt)) return { survivor: survivorNow, merged: survivorNow };
    return { survivor: merge.survivorConsent, merged: merge.mergedConsent };
  }

  private ruleSetRef() {
    const { id, version, hash } = this.matching.ruleSet;
    return { id, version, hash };
  }
}
