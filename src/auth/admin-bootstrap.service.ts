import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ClientsRepository } from './clients.repository.js';
import { generateSecret, hashSecret } from './secret-hasher.js';

/**
 * Ensures the operator's admin client exists at start-up: from MPI_ADMIN_CLIENT_ID/SECRET,
 * or, on the embedded default with neither set, from credentials generated once into
 * `<DATA_DIR>/admin-credentials.json` (mode 0600) so a first run is usable at once.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAdminClient();
  }

  async ensureAdminClient(): Promise<void> {
    const configured = this.config.auth.adminClient ?? this.embeddedCredentials();
    if (!configured) {
      this.logger.warn('No admin client configured (MPI_ADMIN_CLIENT_ID / MPI_ADMIN_CLIENT_SECRET)');
      return;
    }
    await this.clients.upsertBootstrapClient({
      id: configured.clientId,
      name: 'Bootstrap administrator',
      scopes: ['admin'],
      secretHash: await hashSecret(configured.clientSecret),
    });
    this.logger.log({ clientId: configured.clientId }, 'admin client ensured');
  }

  private embeddedCredentials(): { clientId: string; clientSecret: string } | undefined {
    if (this.config.database.mode !== 'embedded') return undefined;
    const file = join(this.config.database.dataDir, 'admin-credentials.json');
    if (existsSync(file)) {
      return JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
    }
    const creds = { clientId: 'admin', clientSecret: generateSecret() };
    mkdirSync(this.config.database.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    this.logger.warn({ file }, 'Generated admin client credentials for the embedded default; read them from this file');
    return creds;
  }
}
