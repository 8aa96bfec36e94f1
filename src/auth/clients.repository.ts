import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ApiClientEntity } from './entities/api-client.entity.js';

@Injectable()
export class ClientsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<ApiClientEntity | null> {
    return manager.findOneBy(ApiClientEntity, { id });
  }

  listAll(): Promise<ApiClientEntity[]> {
    return this.dataSource.getRepository(ApiClientEntity).find({ order: { createdAt: 'ASC' } });
  }

  async insert(client: Partial<ApiClientEntity>, manager: EntityManager): Promise<void> {
    await manager.insert(ApiClientEntity, client);
  }

  /** Creates the client, or resets its secret and scopes when it exists (admin bootstrap). */
  async upsertBootstrapClient(client: Pick<ApiClientEntity, 'id' | 'name' | 'scopes' | 'secretHash'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO api_client (id, name, scopes, secret_hash, status, created_by)
       VALUES ($1, $2, $3, $4, 'active', 'bootstrap')
       ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, scopes = EXCLUDED.scopes,
         status = 'active', updated_at = now()`,
      [client.id, client.name, client.scopes, client.secretHash],
    );
  }

  async setStatus(id: string, status: ApiClientEntity['status'], manager: EntityManager): Promise<boolean> {
    const result = await manager.update(ApiClientEntity, { id }, { status });
    return (result.affected ?? 0) > 0;
  }
}
