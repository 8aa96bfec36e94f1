import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import { linkView } from './feed.service.js';
import { LinkageError } from './linkage.errors.js';
import { LinkRepository } from './link.repository.js';

@Injectable()
export class PersonsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly links: LinkRepository,
    private readonly audit: AuditService,
  ) {}

  /** A person with its golden view and linked records; the read is audited as a disclosure. */
  async get(personId: string, actor: Actor, purpose?: string) {
    const m = this.dataSource.manager;
    const person = await this.links.findPerson(personId, m);
    if (!person || person.status !== 'active') {
      await this.audit.record({ action: 'person.read', outcome: 'success', actor, purpose, targetType: 'person', targetIds: [personId], personIds: [], resultCount: 0 });
      throw LinkageError.personNotFound();
    }
    const records = await this.links.activeRecordsOf(personId, m);
    await this.audit.record({ action: 'person.read', outcome: 'success', actor, purpose, targetType: 'person', targetIds: [personId], personIds: [personId], resultCount: 1 });
    return {
      personId,
      golden: person.golden,
      records: records.map((r) => ({ recordId: r.recordId, organizationId: r.organizationId, localId: r.localId, link: { ...linkView(r.link), reason: r.link.reason, flags: r.link.flags, linkedAt: r.link.linkedAt } })),
    };
  }
}
