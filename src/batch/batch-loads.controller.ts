import type { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { type Actor, CurrentActor, RequireScopes } from '../auth/auth.decorators.js';
import { assertOrganizationAccess } from '../auth/auth.guard.js';
import { DomainError } from '../common/errors/domain-error.js';
import { BatchError } from './batch.errors.js';
import type { BatchFormat } from './batch-load.repository.js';
import { BatchLoadsService } from './batch-loads.service.js';
import { BatchUploadService } from './batch-upload.service.js';
import { BatchLoadParams, BatchUploadQuery, JobsQuery } from './dto/batch-load.dto.js';

const CSV_TYPES = new Set(['text/csv', 'application/csv']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines']);
const GENERIC_TYPES = new Set(['application/octet-stream', 'text/plain']);

@ApiTags('batch loads')
@ApiBearerAuth()
@Controller('api/v1')
export class BatchLoadsController {
  constructor(
    private readonly uploads: BatchUploadService,
    private readonly loads: BatchLoadsService,
  ) {}

  /** Streams the file (raw body or multipart field `file`) into stored chunks; 202 with the load id. */
  @Post('batch-loads')
  @RequireScopes('feed', 'admin')
  @HttpCode(202)
  @ApiConsumes('text/csv', 'application/x-ndjson', 'multipart/form-data')
  async upload(@Query() q: BatchUploadQuery, @Req() req: Request, @CurrentActor() actor: Actor) {
    assertOrganizationAccess(actor, q.organizationId);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'multipart/form-data') return this.uploadMultipart(q, req, actor);
    const format = formatOf(type, q.format, undefined);
    if (!format) {
      req.resume();
      throw BatchError.unsupportedMediaType(type);
    }
    return this.uploads.upload(q.organizationId, format, req, actor);
  }

  @Get('batch-loads/:id')
  @RequireScopes('feed', 'admin')
  async get(@Param() p: BatchLoadParams, @CurrentActor() actor: Actor) {
    const { id, status, counts, chunks, organizationId, format, createdAt, startedAt, finishedAt } = await this.loads.get(p.id, actor);
    return { id, organizationId, format, status, counts, chunks, createdAt, startedAt, finishedAt };
  }

  /** NDJSON lines `{ row, localId, errors }`: field errors only, never the rejected values. */
  @Get('batch-loads/:id/errors')
  @RequireScopes('feed', 'admin')
  async errors(@Param() p: BatchLoadParams, @CurrentActor() actor: Actor, @Res() res: Response) {
    const lines = this.loads.errors(p.id, actor);
    const first = await lines.next();
    res.status(200).type('application/x-ndjson');
    if (!first.done) {
      res.write(`${JSON.stringify(first.value)}\n`);
      for await (const e of lines) if (!res.write(`${JSON.stringify(e)}\n`)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  }

  /** Operators: the job queue's state and its failed and stalled jobs (ids and reasons only). */
  @Get('jobs')
  @RequireScopes('admin')
  jobs(@Query() q: JobsQuery) {
    return this.loads.jobs(q.limit ?? 50);
  }

  private uploadMultipart(q: BatchUploadQuery, req: Request, actor: Actor) {
    return new Promise<{ id: string; status: 'queued' }>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { files: 1 } });
      } catch {
        reject(DomainError.validation([{ field: 'body', messages: ['is not a readable multipart body'] }]));
        return;
      }
      let started = false;
      bb.on('file', (name: string, file: Readable, info: { filename: string; mimeType: string }) => {
        if (name !== 'file' || started) {
          file.resume();
          return;
        }
        started = true;
        const format = formatOf(info.mimeType.toLowerCase(), q.format, info.filename);
        if (!format) {
          file.resume();
          reject(BatchError.unsupportedMediaType(info.mimeType));
          return;
        }
        this.uploads.upload(q.organizationId, format, file, actor).then(resolve, reject);
      });
      bb.on('error', () => reject(DomainError.validation([{ field: 'body', messages: ['is not a readable multipart body'] }])));
      bb.on('close', () => {
        if (!started) reject(BatchError.noFile());
      });
      req.pipe(bb);
    });
  }
}

/** The format: the `format` parameter, else the content type, else the file name's extension. */
function formatOf(type: string, format: BatchFormat | undefined, filename: string | undefined): BatchFormat | null {
  const byType: BatchFormat | null = CSV_TYPES.has(type) ? 'csv' : NDJSON_TYPES.has(type) ? 'ndjson' : null;
  if (byType && format && byType !== format) return null;
  if (byType) return byType;
  if (!GENERIC_TYPES.has(type) && !(filename && type === '')) return null;
  if (format) return format;
  if (filename && /\.csv$/i.test(filename)) return 'csv';
  if (filename && /\.(nd)?jsonl?$/i.test(filename)) return 'ndjson';
  return null;
}
