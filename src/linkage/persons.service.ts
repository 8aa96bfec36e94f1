import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { Demographics } from '../matching/engine/index.js';
import { linkView } from './feed.service.js';
import { buildGoldenView } from './golden-view.js';
import { LinkageError } from './linkage.errors.js';
import { type Consent, LinkRepository } from './link.repository.js';

@Injectable()
export class PersonsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly links: LinkRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * A person with its golden view and linked records; the read is audited as a disclosure.
   * A person who opted out answers exactly like an unknown one (404, same audit event).
   */
  async get(personId: string, actor: Actor, purpose?: string) {
    const m = this.dataSource.manager;
    const person = await this.links.findPerson(personId, m);
    // A steward following an old id learns where it went; to everyone else it is unknown.
    if (person && person.status !== 'active' && person.consent !== 'opt-out' && actor.scopes.includes('steward')) {
      await this.audit.record({ action: 'person.read', outcome: 'success', actor, purpose, targetType: 'person', targetIds: [personId], personIds: [personId], resultCount: 1 });
      return { personId, status: person.status, mergedInto: person.mergedInto, golden: buildGoldenView([]), records: [] };
    }
    if (!person || person.status !== 'active' || person.consent === 'opt-out') {
      await this.audit.record({ action: 'person.read', outcome: 'success', actor, purpose, targetType: 'person', targetIds: [personId], personIds: [], resultCount: 0 });
      throw LinkageError.personNotFound();
    }
    const records = await this.links.activeRecordsOf(personId, m);
    await this.audit.record({ action: 'person.read', outcome: 'success', actor, purpose, targetType: 'person', targetIds: [personId], personIds: [personId], resultCount: 1 });
    return {
      personId,
      status: person.status,
      golden: buildGoldenView(records.map((r) => ({ demographics: r.demographics as unknown as Demographics, updatedAt: new Date(r.updatedAt) }))),
      records: records.map((r) => ({ recordId: r.recordId, organizationId: r.organizationId, localId: r.localId, link: { ...linkView(r.link), reason: r.link.reason, flags: r.link.flags, linkedAt: r.link.linkedAt } })),
    };
  }

  /**
   * Records the patient's choice. Opted out, the person is invisible to every query (locator,
   * match, person reads) while feeds for them are still accepted; opting in restores them.
   * 404 for an unknown (or merged / retired) person. Audited in the same transaction.
   */
  async setConsent(personId: string, status: Consent, actor: Actor): Promise<{ personId: string; status: Consent; updatedAt: Date }> {
    return this.dataSource.transaction(async (m) => {
      const updated = await this.links.setConsent(personId, status, m);
      if (!updated) throw LinkageError.personNotFound();
      await this.audit.record(
        { action: 'person.consent', outcome: 'success', actor, targetType: 'person', targetIds: [personId], personIds: [personId], details: { status } },
        m,
      );
      return { personId, status, updatedAt: updated.updatedAt };
    });
  }
}
