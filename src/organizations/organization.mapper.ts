import type { EndpointEntity } from './entities/endpoint.entity.js';
import type { OrganizationEntity } from './entities/organization.entity.js';

export const toEndpointView = (e: EndpointEntity) => ({
  id: e.id,
  connectionType: e.connectionType,
  address: e.address,
  payloadTypes: e.payloadTypes,
  status: e.status,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

export const toOrganizationView = (o: OrganizationEntity, endpoints: EndpointEntity[] = o.endpoints ?? []) => ({
  id: o.id,
  name: o.name,
  assigningAuthority: o.assigningAuthority,
  status: o.status,
  endpoints: [...endpoints].sort((a, b) => a.id.localeCompare(b.id)).map(toEndpointView),
  createdAt: o.createdAt,
  updatedAt: o.updatedAt,
});

export type OrganizationView = ReturnType<typeof toOrganizationView>;
export type EndpointView = ReturnType<typeof toEndpointView>;
