import 'reflect-metadata';
import { resolve } from 'node:path';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * The environment, as validated at start-up. Every variable the service reads is
 * declared here; nothing else reads process.env.
 */
class EnvironmentVariables {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString()
  HOST?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(32)
  HTTP_WORKERS?: number;

  @IsOptional() @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE?: number;

  @IsOptional() @IsString() @MinLength(1)
  DATA_DIR?: string;

  @IsOptional() @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional() @IsString() @MaxLength(40)
  REDIS_KEY_PREFIX?: string;

  @ValidateIf((env: EnvironmentVariables) => env.MPI_ADMIN_CLIENT_SECRET !== undefined)
  @IsString({ message: 'MPI_ADMIN_CLIENT_ID must be set when MPI_ADMIN_CLIENT_SECRET is' })
  @Matches(/^[A-Za-z0-9._-]{3,64}$/, { message: 'MPI_ADMIN_CLIENT_ID must be 3-64 characters of A-Z a-z 0-9 . _ -' })
  MPI_ADMIN_CLIENT_ID?: string;

  @ValidateIf((env: EnvironmentVariables) => env.MPI_ADMIN_CLIENT_ID !== undefined)
  @IsString({ message: 'MPI_ADMIN_CLIENT_SECRET must be set when MPI_ADMIN_CLIENT_ID is' })
  @MinLength(16, { message: 'MPI_ADMIN_CLIENT_SECRET must be at least 16 characters' })
  MPI_ADMIN_CLIENT_SECRET?: string;

  @IsOptional() @IsString() @MinLength(32, { message: 'MPI_TOKEN_SECRET must be at least 32 characters' })
  MPI_TOKEN_SECRET?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(86400)
  MPI_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @IsString()
  MATCHING_RULES_PATH?: string;

  @IsOptional() @Transform(toBool) @IsBoolean()
  MIGRATIONS_RUN?: boolean;

  @IsOptional() @IsIn(['auto', 'off'], { message: 'DATABASE_ANALYZE must be auto or off' })
  DATABASE_ANALYZE?: 'auto' | 'off';

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional() @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 1mb, 512kb' })
  BODY_LIMIT?: string;

  @IsOptional() @Matches(/^\d+(b|kb|mb|gb)$/i, { message: 'BATCH_UPLOAD_LIMIT must look like 2gb, 500mb' })
  BATCH_UPLOAD_LIMIT?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(20000)
  BATCH_CHUNK_ROWS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(16)
  BATCH_CONCURRENCY?: number;
}

export type DatabaseMode = 'postgres' | 'embedded';
export type QueueMode = 'redis' | 'in-process';

export interface AppConfig {
  port: number;
  host: string;
  /** Server processes sharing the port (node:cluster); more than one needs a real PostgreSQL. */
  httpWorkers: number;
  database: {
    mode: DatabaseMode;
    url?: string;
    dataDir: string;
    poolSize: number;
    runMigrations: boolean;
    /** 'auto': the service analyzes its tables when autovacuum does not (off, or the embedded PGlite). */
    analyze: 'auto' | 'off';
  };
  redis: { mode: QueueMode; url?: string; keyPrefix: string };
  auth: {
    adminClient?: { clientId: string; clientSecret: string };
    tokenSecret?: string;
    tokenTtlSeconds: number;
  };
  matchingRulesPath: string;
  logLevel: string;
  bodyLimit: string;
  batch: { uploadLimitBytes: number; chunkRows: number; concurrency: number };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Validates the environment and returns the typed configuration, or throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(([k]) => KNOWN.has(k)),
  );
  const parsed = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(parsed, { whitelist: true });
  if (errors.length > 0) {
    const problems = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map((msg) => (msg.startsWith(e.property) ? msg : `${e.property}: ${msg}`)),
    );
    throw new ConfigValidationError(problems);
  }
  const databaseUrl = parsed.DATABASE_URL;
  if ((parsed.HTTP_WORKERS ?? 1) > 1 && !databaseUrl) {
    throw new ConfigValidationError(['HTTP_WORKERS: more than one worker needs DATABASE_URL (the embedded database lives in one process)']);
  }
  return {
    port: parsed.PORT ?? 3000,
    host: parsed.HOST ?? '0.0.0.0',
    httpWorkers: parsed.HTTP_WORKERS ?? 1,
    database: {
      mode: databaseUrl ? 'postgres' : 'embedded',
      url: databaseUrl,
      dataDir: resolve(parsed.DATA_DIR ?? 'data'),
      // PGlite runs one query at a time; a small pool avoids queueing connections it refuses.
      poolSize: parsed.DATABASE_POOL_SIZE ?? (databaseUrl ? 10 : 4),
      runMigrations: parsed.MIGRATIONS_RUN ?? true,
      analyze: parsed.DATABASE_ANALYZE ?? 'auto',
    },
    redis: { mode: parsed.REDIS_URL ? 'redis' : 'in-process', url: parsed.REDIS_URL, keyPrefix: parsed.REDIS_KEY_PREFIX ?? 'mpi' },
    auth: {
      adminClient:
        parsed.MPI_ADMIN_CLIENT_ID && parsed.MPI_ADMIN_CLIENT_SECRET
          ? { clientId: parsed.MPI_ADMIN_CLIENT_ID, clientSecret: parsed.MPI_ADMIN_CLIENT_SECRET }
          : undefined,
      tokenSecret: parsed.MPI_TOKEN_SECRET,
      tokenTtlSeconds: parsed.MPI_TOKEN_TTL_SECONDS ?? 900,
    },
    matchingRulesPath: resolve(parsed.MATCHING_RULES_PATH ?? 'matching-rules/default.json'),
    logLevel: parsed.LOG_LEVEL ?? 'info',
    bodyLimit: parsed.BODY_LIMIT ?? '1mb',
    batch: {
      uploadLimitBytes: bytesOf(parsed.BATCH_UPLOAD_LIMIT ?? '2gb'),
      chunkRows: parsed.BATCH_CHUNK_ROWS ?? 1000,
      concurrency: parsed.BATCH_CONCURRENCY ?? 2,
    },
  };
}

const KNOWN = new Set([
  'PORT', 'HOST', 'HTTP_WORKERS', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'DATA_DIR', 'REDIS_URL', 'REDIS_KEY_PREFIX',
  'MPI_ADMIN_CLIENT_ID', 'MPI_ADMIN_CLIENT_SECRET', 'MPI_TOKEN_SECRET', 'MPI_TOKEN_TTL_SECONDS',
  'MATCHING_RULES_PATH', 'MIGRATIONS_RUN', 'DATABASE_ANALYZE', 'LOG_LEVEL', 'BODY_LIMIT', 'BATCH_UPLOAD_LIMIT', 'BATCH_CHUNK_ROWS', 'BATCH_CONCURRENCY',
]);

function bytesOf(s: string): number {
  const m = /^(\d+)(b|kb|mb|gb)$/i.exec(s)!;
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2].toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
}
