import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap.js';
import { superviseWorkers } from './cluster-supervisor.js';
import { ConfigValidationError, loadConfig } from './config/app-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  if (config.httpWorkers > 1 && cluster.isPrimary) return superviseWorkers(config.httpWorkers, config.logLevel);
  const started = Date.now();
  const running = await createApp(config);
  const logger = new Logger('Main');
  await running.app.listen(config.port, config.host);
  const where = config.database.mode === 'embedded' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const queue = config.redis.mode === 'redis' ? 'Bull queues on Redis (REDIS_URL)' : 'in-process jobs';
  logger.log(
    { databaseMode: config.database.mode, queueMode: config.redis.mode, port: config.port, startupMs: Date.now() - started },
    `MPI listening on ${config.host}:${config.port}; database: ${where}; queue: ${queue}`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  // No PHI can be in a start-up error; still, print the message only, not the whole object.
  process.stderr.write(`MPI failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
