import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { TableStatisticsRepository } from './table-statistics.repository.js';
import { TableStatisticsService } from './table-statistics.service.js';

/**
 * TypeORM on the resolved database URL (real PostgreSQL or the embedded PGlite socket), and
 * the planner statistics of its tables kept current where autovacuum does not. Global: the
 * data source is anyway, and a batch load asks the analyzer for a pass between its chunks.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.database.url) throw new Error('DatabaseModule needs a resolved database URL (start the embedded database first)');
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(config.database.url, config.database.poolSize, { preparedStatements: config.database.mode === 'postgres' }),
          migrationsRun: config.database.runMigrations,
          // A few quick retries at start-up, then a clear failure instead of a long hang.
          retryAttempts: 2,
          retryDelay: 1_000,
        }),
      ],
      providers: [TableStatisticsRepository, TableStatisticsService],
      exports: [TableStatisticsService],
    };
  }
}
