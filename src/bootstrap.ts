import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { ErrorFilter } from './common/http/error.filter.js';
import { AppLogger, createRootLogger, requestLogMiddleware } from './common/http/logging.js';
import { createValidationPipe } from './common/http/validation.js';
import type { AppConfig } from './config/app-config.js';
import { type DatabaseRuntime, startDatabaseRuntime } from './database/database-runtime.js';
import { installLocatorFastPath } from './locator/locator-fast-path.js';

export interface RunningApp {
  app: INestApplication;
  config: AppConfig;
  /** Closes the app, then the embedded database if one was started. */
  close(): Promise<void>;
}

/**
 * Builds the application exactly as production runs it (main.ts and the tests share this):
 * embedded database if needed, body limits, validation, the error filter, OpenAPI.
 */
export async function createApp(config: AppConfig, options: { logger?: boolean } = {}): Promise<RunningApp> {
  const runtime: DatabaseRuntime = await startDatabaseRuntime(config);
  let app: NestExpressApplication | undefined;
  const logger = createRootLogger(options.logger === false ? 'silent' : runtime.config.logLevel);
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(runtime.config), {
      bodyParser: false,
      bufferLogs: true,
      abortOnError: false,
      ...(options.logger === false ? { logger: false } : {}),
    });
    if (options.logger !== false) app.useLogger(new AppLogger(logger));
    const requestLog = requestLogMiddleware(logger);
    app.use(requestLog);
    configureApp(app, runtime.config);
    await app.init();
    // The record locator's by-identifier lookups that certainly succeed, in front of Express (see locator-fast-path.ts).
    installLocatorFastPath(app, requestLog);
  } catch (e) {
    await app?.close().catch(() => undefined);
    await runtime.stop();
    throw e;
  }
  const started = app;
  return {
    app: started,
    config: runtime.config,
    close: async () => {
      await started.close();
      await runtime.stop();
    },
  };
}

function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useBodyParser('json', { limit: config.bodyLimit, type: ['application/json', 'application/*+json'] });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // No ETag: hashing every JSON answer costs CPU on the hot paths, and answers about patients
  // are never to be cached or revalidated anyway.
  app.set('etag', false);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Master patient index and record locator')
      .setDescription('Native REST API v1. Authenticate with POST /auth/token (OAuth2 client credentials).')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
