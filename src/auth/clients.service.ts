import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import type { Actor } from './auth.decorators.js';
import { AuthError } from './auth.errors.js';
import { ClientsRepository } from './clients.repository.js';
import type { ApiClientEntity } from './entities/api-client.entity.js';
import { generateSecret, hashSecret, verifySecret } from './secret-hasher.js';
import type { Principal, Scope } from './scopes.js';

export interface NewClient {
  name: string;
  organizationId?: string;
  scopes: Scope[];
}

export interface ClientView {
  clientId: string;
  name: string;
  organizationId: string | null;
  scopes: Scope[];
  status: 'active' | 'disabled';
  createdAt: Date;
}

const toView = (c: ApiClientEntity): ClientView => ({
  clientId: c.id,
  name: c.name,
  organizationId: c.organizationId,
  scopes: c.scopes,
  status: c.status,
  createdAt: c.createdAt,
});

@Injectable()
export class ClientsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Registers a client; the secret is returned once and only its scrypt hash is kept. */
  async create(input: NewClient, actor: Actor): Promise<ClientView & { clientSecret: string }> {
    if (input.scopes.includes('feed') && !input.organizationId) {
      throw DomainError.validation([{ field: 'organizationId', messages: ['a client with the feed scope must belong to an organization'] }]);
    }
    const clientSecret = generateSecret();
    const id = randomUUID();
    const secretHash = await hashSecret(clientSecret);
    const created = await this.dataSource.transaction(async (manager) => {
      try {
        await this.clients.insert(
          { id, name: input.name, organizationId: input.organizationId ?? null, scopes: [...new Set(input.scopes)], secretHash, createdBy: actor.clientId },
          manager,
        );
      } catch (e) {
        if ((e as { code?: string }).code === '23503') {
          throw DomainError.validation([{ field: 'organizationId', messages: ['no organization with this id'] }]);
        }
        throw e;
      }
      await this.audit.record({ action: 'client.create', outcome: 'success', actor, targetType: 'client', targetIds: [id], details: { scopes: input.scopes, organizationId: input.organizationId ?? null } }, manager);
      return (await this.clients.findById(id, manager))!;
    });
    return { ...toView(created), clientSecret };
  }

  async list(): Promise<ClientView[]> {
    return (await this.clients.listAll()).map(toView);
  }

  async get(id: string): Promise<ClientView> {
    const client = await this.clients.findById(id);
    if (!client) throw AuthError.clientNotFound();
    return toView(client);
  }

  async disable(id: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.clients.setStatus(id, 'disabled', manager))) throw AuthError.clientNotFound();
      await this.audit.record({ action: 'client.disable', outcome: 'success', actor, targetType: 'client', targetIds: [id] }, manager);
    });
  }

  /** Checks client credentials; the same error for an unknown client and a wrong secret. */
  async authenticate(clientId: string, secret: string): Promise<Principal | null> {
    const client = await this.clients.findById(clientId);
    if (!client || client.status !== 'active') {
      // Spend the same time as a real check so response time does not reveal which ids exist.
      await verifySecret(secret, DUMMY_HASH);
      return null;
    }
    if (!(await verifySecret(secret, client.secretHash))) return null;
    return { clientId: client.id, organizationId: client.organizationId, scopes: client.scopes };
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
