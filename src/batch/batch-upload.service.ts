import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.decorators.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DomainError } from '../common/errors/domain-error.js';
import { JobQueue } from '../jobs/job-queue.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { BatchError } from './batch.errors.js';
import { type BatchFormat, BatchLoadRepository } from './batch-load.repository.js';
import { csvHeaderProblems, stageable } from './batch-rows.js';
import { BATCH_QUEUE, type ChunkJob, chunkJobId } from './batch-queue.js';

/**
 * Upload: the file streams through the parser into chunk rows of `batch_chunk` (never the
 * whole file in memory), in one transaction with the load row and its audit event, so a
 * rejected file (bad header, malformed CSV, over the size cap) leaves nothing behind. Then
 * each chunk becomes one job.
 */
@Injectable()
export class BatchUploadService {
  private readonly logger = new Logger('BatchUpload');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly loads: BatchLoadRepository,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    private readonly queue: JobQueue,
  ) {}

  async upload(organizationId: string, format: BatchFormat, body: Readable, actor: Actor): Promise<{ id: string; status: 'queued' }> {
    await this.organizations.assertExists(organizationId);
    const limit = this.config.batch.uploadLimitBytes;
    const counter = new ByteCounter(limit);
    const input = body.pipe(counter);
    body.once('error', (e) => counter.destroy(e));
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let loadId: string;
    let chunks = 0;
    try {
      await qr.startTransaction();
      const m = qr.manager;
      loadId = await this.loads.insertLoad({ organizationId, format, columns: null, actorClientId: actor.clientId, requestId: actor.requestId || null }, m);
      let rows = 0;
      let columns: string[] | null = null;
      let buffer: unknown[] = [];
      const flush = async () => {
        if (!buffer.length) return;
        await this.loads.insertChunk(loadId, chunks, rows - buffer.length + 1, buffer, m);
        chunks++;
        buffer = [];
      };
      const chunkRows = this.config.batch.chunkRows;
      try {
        for await (const record of format === 'csv' ? csvRecords(input) : ndjsonLines(input)) {
          if (format === 'csv' && columns === null) {
            columns = (record as string[]).map((h) => h.trim());
            const problems = csvHeaderProblems(columns);
            if (problems.length) throw BatchError.badHeader(problems);
            continue;
          }
          rows++;
          buffer.push(stageable(record as string | string[]));
          if (buffer.length >= chunkRows) await flush();
        }
      } catch (e) {
        if (counter.exceeded) throw BatchError.tooLarge(limit);
        if (e instanceof DomainError) throw e;
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('CSV_')) {
          // csv-parse counts the records it parsed (the header among them) and the lines it
          // read; records it parsed may not have reached this loop yet.
          const { records, lines } = e as { records?: unknown; lines?: unknown };
          const row = typeof records === 'number' ? Math.max(rows + 1, records) : rows + 1;
          throw BatchError.malformed(row, code, typeof lines === 'number' ? lines : undefined);
        }
        throw e;
      }
      if (counter.exceeded) throw BatchError.tooLarge(limit);
      if (format === 'csv' && columns === null) throw BatchError.badHeader([{ field: 'columns', messages: ['the file has no header row'] }]);
      await flush();
      await this.loads.finishUpload(loadId, { columns, rows, chunks, bytes: counter.bytes }, m);
      await this.audit.record(
        { action: 'batch-load.start', outcome: 'success', actor, targetType: 'batch-load', targetIds: [loadId], resultCount: rows, details: { organizationId, format, rows, chunks, bytes: counter.bytes } },
        m,
      );
      await qr.commitTransaction();
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      body.resume();
      throw e;
    } finally {
      await qr.release();
    }
    this.logger.log({ loadId, chunks }, 'batch load stored');
    try {
      await this.queue.add<ChunkJob>(BATCH_QUEUE, Array.from({ length: chunks }, (_, seq) => ({ data: { loadId, seq }, jobId: chunkJobId(loadId, seq) })));
    } catch {
      // Stored and audited: the resume sweep at the next start enqueues it.
      throw BatchError.queueUnavailable();
    }
    // An empty file has no chunk: it is complete at once.
    if (chunks === 0) await this.loads.completeEmpty(loadId, this.dataSource.manager);
    return { id: loadId, status: 'queued' };
  }
}

/** Counts bytes through it and stops the stream beyond `limit` (413, nothing stored). */
class ByteCounter extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.exceeded = true;
      done(new Error('upload limit exceeded'));
      return;
    }
    done(null, chunk);
  }
}

/** CSV records as arrays of fields (RFC 4180 via csv-parse; a row's field count is checked per row). */
function csvRecords(input: Readable): AsyncIterable<string[]> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  input.once('error', (e) => parser.destroy(e));
  return input.pipe(parser);
}

/** Non-empty NDJSON lines, kept as text: each is parsed (and maybe rejected) when its chunk runs. */
async function* ndjsonLines(input: Readable): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') yield line.replace(/\r$/, '');
  }
  rest += decoder.end();
  if (rest.trim() !== '') yield rest.replace(/\r$/, '');
}
