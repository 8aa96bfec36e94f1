import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';

/**
 * `HTTP_WORKERS` > 1: this process only supervises; the workers (node:cluster) each run the
 * whole service and share the listening port. The service keeps no state of its own between
 * requests (tokens are verified with keys from the database, jobs go through Redis or the
 * database), so workers are interchangeable, as separate machines would be.
 *
 * The first worker starts alone (it applies pending migrations and ensures the admin client);
 * the others start once it listens. A worker that dies later is replaced after a second; a
 * worker that fails before it ever listened stops the whole service with its exit code
 * (a bad configuration would otherwise restart for ever). SIGTERM/SIGINT stop the workers
 * gracefully, then the supervisor.
 */
export function superviseWorkers(count: number, logLevel: string): void {
  // The same JSON lines as the workers' logs.
  const logger = pino({ level: logLevel, base: { pid: process.pid, context: 'Cluster' } });
  let stopping = false;
  let exitCode = 0;
  const listening = new WeakSet<Worker>();
  const exitWhenAllGone = () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.once('listening', () => listening.add(worker));
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return exitWhenAllGone();
    if (!listening.has(worker)) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      exitCode = code || 1;
      return exitWhenAllGone();
    }
    logger.warn({ pid: worker.process.pid, code, signal }, 'a worker exited; starting a replacement');
    setTimeout(() => {
      if (!stopping) fork();
    }, 1_000);
  });

  const first = fork();
  first.once('listening', () => {
    for (let i = 1; i < count; i++) fork();
    logger.info({ workers: count }, `supervising ${count} server workers`);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    exitWhenAllGone();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
