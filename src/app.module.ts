import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BatchModule } from './batch/batch.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LinkageModule } from './linkage/linkage.module.js';
import { LocatorModule } from './locator/locator.module.js';
import { MatchingModule } from './matching/matching.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { ReviewModule } from './review/review.module.js';

/** The whole service, built from a validated configuration (see main.ts). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        JobsModule.forRoot(config),
        AuditModule,
        AuthModule,
        HealthModule,
        OrganizationsModule,
        MatchingModule,
        LinkageModule,
        LocatorModule,
        ReviewModule,
        ConsoleModule,
        BatchModule,
      ],
    };
  }
}
