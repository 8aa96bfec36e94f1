import { Module } from '@nestjs/common';
import { LinkageModule } from '../linkage/linkage.module.js';
import { MatchingModule } from '../matching/matching.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { BatchChunkProcessor } from './batch-chunk.processor.js';
import { BatchLoadRepository } from './batch-load.repository.js';
import { BatchLoadsController } from './batch-loads.controller.js';
import { BatchLoadsService } from './batch-loads.service.js';
import { BatchUploadService } from './batch-upload.service.js';

/**
 * Batch identity loads (an adapter): upload a CSV/NDJSON file, stored as chunks, each linked
 * by one job (Bull or in-process) in one transaction; progress, error report, resume.
 */
@Module({
  imports: [OrganizationsModule, MatchingModule, LinkageModule],
  controllers: [BatchLoadsController],
  providers: [BatchLoadRepository, BatchUploadService, BatchLoadsService, BatchChunkProcessor],
  exports: [BatchChunkProcessor],
})
export class BatchModule {}
