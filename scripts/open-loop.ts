/**
 * An open-loop HTTP load generator: requests are *scheduled* at a fixed offered rate
 * (constant spacing, or Poisson arrivals) whatever the server does, sent over a pool of
 * keep-alive connections (node:http Agent), and each request's latency is measured from its
 * scheduled send time to the end of its response. A slow server therefore shows as latency
 * (requests wait for a free connection, or the generator falls behind, and that wait is
 * counted) instead of as a lower send rate: no coordinated omission. autocannon's
 * `overallRate` is a closed loop (each connection waits for its answer before the next
 * send, in bursts), so its latency at "1000/s" is not the latency of an open load.
 *
 * Run it in a process of its own (not the server's, not the caller's event loop):
 *
 *   tsx scripts/open-loop.ts --url http://127.0.0.1:3000 --paths-file paths.txt \
 *     --rate 1000 --seconds 10 [--connections 32] [--arrivals constant|poisson] \
 *     [--header 'authorization: Bearer …'] [--warmup-seconds 1] [--samples-file F] [--json]
 *
 * `--paths-file`: one request path per line, picked at random (seeded) per request.
 * Prints the offered and achieved rate, p50/p95/p99/p99.9/max (ms), non-2xx, errors,
 * `late` (requests that got a connection more than 2 ms after their scheduled time: the pool
 * was busy or the generator lagged; their latency still counts from the schedule) and
 * `dropped` (still unanswered when the run ended plus a grace period: counted in the
 * percentiles with the time they had waited so far, a lower bound).
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../test/factories/seeded-random.js';

export interface OpenLoopOptions {
  url: string;
  paths: string[];
  rate: number;
  seconds: number;
  connections?: number;
  arrivals?: 'constant' | 'poisson';
  headers?: Record<string, string>;
  method?: string;
  /** Unmeasured warm-up at the same rate before the measured run. */
  warmupSeconds?: number;
  /** How long to wait for the last answers after the schedule ends (default 2 s). */
  graceMs?: number;
  /** Seed of the path picker and of Poisson arrivals. */
  seed?: number;
  /** Write each measured request's scheduled time (ms from the run's start) and latency (ms) to this file, one `at latency` line each. */
  samplesFile?: string;
}

export interface OpenLoopResult {
  offeredRate: number;
  achievedRate: number;
  scheduled: number;
  completed: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  non2xx: number;
  errors: number;
  late: number;
  dropped: number;
  /** The largest delay (ms) between a request's scheduled time and its connection. */
  maxStartDelay: number;
}

/** Timers fire about every millisecond, so a request may leave up to ~1 ms after its time anyway. */
const LATE_MS = 2;

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const connections = o.connections ?? 32;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  try {
    if (o.warmupSeconds && o.warmupSeconds > 0) await schedule(agent, { ...o, seconds: o.warmupSeconds, seed: (o.seed ?? 1) + 1, samplesFile: undefined });
    return await schedule(agent, o);
  } finally {
    agent.destroy();
  }
}

function schedule(agent: http.Agent, o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const rand = seededRandom(o.seed ?? 1);
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const intervalMs = 1000 / o.rate;
  const graceMs = o.graceMs ?? 2000;
  const latencies: number[] = [];
  const samples: string[] = [];
  let non2xx = 0;
  let errors = 0;
  let late = 0;
  let maxStartDelay = 0;
  let completed = 0;
  let lastDone = 0;
  const outstanding = new Map<number, number>(); // request number → scheduled time
  let next = 0;
  let nextAt = 0;
  const start = performance.now() + 5;

  return new Promise((resolveRun) => {
    /** Request `n` (scheduled at `at`) ended: answered with `status`, or failed (undefined). */
    const ended = (n: number, at: number, status: number | undefined) => {
      if (!outstanding.delete(n)) return;
      lastDone = performance.now();
      latencies.push(lastDone - at);
      if (o.samplesFile) samples.push(`${(at - start).toFixed(2)} ${(lastDone - at).toFixed(2)}`);
      if (status === undefined) errors++;
      else {
        completed++;
        if (status < 200 || status > 299) non2xx++;
      }
    };
    const send = (n: number, at: number) => {
      outstanding.set(n, at);
      const path = o.paths[Math.floor(rand() * o.paths.length)];
      const req = http.request({ agent, host: target.hostname, port: target.port, method: o.method ?? 'GET', path, headers: o.headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => ended(n, at, res.statusCode ?? 0));
      });
      req.on('socket', () => {
        const delay = performance.now() - at;
        if (delay > LATE_MS) late++;
        if (delay > maxStartDelay) maxStartDelay = delay;
      });
      req.on('error', () => ended(n, at, undefined));
      req.end();
    };

    const finish = () => {
      const now = performance.now();
      const dropped = outstanding.size;
      for (const at of outstanding.values()) {
        latencies.push(now - at);
        if (o.samplesFile) samples.push(`${(at - start).toFixed(2)} ${(now - at).toFixed(2)}`);
      }
      outstanding.clear();
      if (o.samplesFile) writeFileSync(o.samplesFile, `${samples.join('\n')}\n`);
      latencies.sort((a, b) => a - b);
      const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
      const span = (Math.max(lastDone, start + o.seconds * 1000) - start) / 1000;
      resolveRun({
        offeredRate: o.rate,
        achievedRate: completed / span,
        scheduled: total,
        completed,
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        p999: q(0.999),
        max: latencies[latencies.length - 1] ?? 0,
        mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
        non2xx,
        errors,
        late,
        dropped,
        maxStartDelay,
      });
    };

    const waitForLast = (deadline: number) => {
      if (outstanding.size === 0 || performance.now() >= deadline) return finish();
      setTimeout(() => waitForLast(deadline), 5);
    };

    // Every tick sends all the requests whose time has come (timers fire about every
    // millisecond; a request sent late still counts its latency from its scheduled time).
    const tick = () => {
      const now = performance.now();
      while (next < total && start + nextAt <= now) {
        send(next, start + nextAt);
        next++;
        nextAt += o.arrivals === 'poisson' ? -Math.log(1 - rand()) * intervalMs : intervalMs;
      }
      if (next < total) {
        setTimeout(tick, Math.max(0, Math.min(1, start + nextAt - performance.now())));
      } else {
        waitForLast(performance.now() + graceMs);
      }
    };
    setTimeout(tick, 5);
  });
}

export function formatOpenLoop(r: OpenLoopResult): string {
  return (
    `offered ${r.offeredRate}/s achieved ${r.achievedRate.toFixed(0)}/s · p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} p99 ${r.p99.toFixed(1)} ` +
    `p99.9 ${r.p999.toFixed(1)} max ${r.max.toFixed(1)} ms · ${r.completed}/${r.scheduled} answered, non-2xx ${r.non2xx}, errors ${r.errors}, ` +
    `late ${r.late} (max start delay ${r.maxStartDelay.toFixed(1)} ms), dropped ${r.dropped}`
  );
}

function parseArgs(argv: string[]): OpenLoopOptions & { json: boolean } {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const headers: Record<string, string> = {};
  argv.forEach((a, i) => {
    if (a === '--header') {
      const h = argv[i + 1];
      const colon = h.indexOf(':');
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    }
  });
  const url = get('url');
  const pathsFile = get('paths-file');
  if (!url || !pathsFile || !get('rate') || !get('seconds')) {
    throw new Error('usage: open-loop --url URL --paths-file FILE --rate N --seconds S [--connections C] [--arrivals constant|poisson] [--header "k: v"] [--warmup-seconds S] [--samples-file FILE] [--json]');
  }
  return {
    url,
    paths: readFileSync(pathsFile, 'utf8').split('\n').filter(Boolean),
    rate: Number(get('rate')),
    seconds: Number(get('seconds')),
    connections: get('connections') ? Number(get('connections')) : undefined,
    arrivals: get('arrivals') === 'poisson' ? 'poisson' : 'constant',
    headers,
    method: get('method'),
    warmupSeconds: get('warmup-seconds') ? Number(get('warmup-seconds')) : undefined,
    samplesFile: get('samples-file'),
    json: argv.includes('--json'),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { json, ...options } = parseArgs(process.argv.slice(2));
  const result = await runOpenLoop(options);
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatOpenLoop(result)}\n`);
}
