import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/auth.decorators.js';
import { AuditService } from './audit.service.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first; page with `cursor` = the previous answer's `nextCursor`. */
  @Get()
  @RequireScopes('admin')
  async list(@Query() q: AuditQueryDto) {
    const page = await this.audit.list({
      personId: q.personId,
      clientId: q.clientId,
      organizationId: q.organizationId,
      action: q.action,
      outcome: q.outcome,
      since: q.since,
      until: q.until,
      beforeId: q.cursor,
      limit: q.limit ?? 100,
    });
    return {
      items: page.items.map((e) => ({
        id: e.id,
        occurredAt: e.occurredAt,
        requestId: e.requestId,
        clientId: e.actorClientId,
        organizationId: e.actorOrganizationId,
        action: e.action,
        outcome: e.outcome,
        purpose: e.purpose,
        targetType: e.targetType,
        targetIds: e.targetIds,
        personIds: e.personIds,
        resultCount: e.resultCount,
        details: e.details,
      })),
      nextCursor: page.nextCursor,
    };
  }
}
