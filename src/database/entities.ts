import { ApiClientEntity } from '../auth/entities/api-client.entity.js';
import { SigningKeyEntity } from '../auth/entities/signing-key.entity.js';
import { AuditEventEntity } from '../audit/entities/audit-event.entity.js';
import { EndpointEntity } from '../organizations/entities/endpoint.entity.js';
import { OrganizationEntity } from '../organizations/entities/organization.entity.js';

/** Every entity, listed explicitly (no globs: they break under Vitest and bundlers). */
export const ENTITIES = [OrganizationEntity, EndpointEntity, ApiClientEntity, SigningKeyEntity, AuditEventEntity];
