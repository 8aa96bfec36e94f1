import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { runOpenLoop } from '../../scripts/open-loop.js';

/*
 * Self-check of the open-loop load generator (scripts/open-loop.ts) against a trivial HTTP
 * server in a process of its own: it offers the rate it is asked to, and a server that stops
 * answering for a while shows as latency of every request scheduled meanwhile (a closed loop
 * would just send fewer requests and record a handful of slow ones).
 */
const SERVER = `
const http = require('node:http');
let stalled = false;
const started = Date.now();
http.createServer((req, res) => {
  if (req.url === '/stall' && !stalled && Date.now() - started > Number(process.env.STALL_AFTER_MS)) {
    stalled = true;
    const until = Date.now() + Number(process.env.STALL_MS);
    while (Date.now() < until) {} // the event loop stops: nothing is answered meanwhile
  }
  res.end('ok');
}).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });
`;

let server: ChildProcess;
let url: string;

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { env: { ...process.env, STALL_AFTER_MS: '800', STALL_MS: '400' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
  url = `http://127.0.0.1:${chunk.toString().trim()}`;
});

afterAll(async () => {
  server.kill('SIGTERM');
  await once(server, 'exit');
});

describe('open-loop load generator', () => {
  it('achieves the offered rate against a fast server, with small latency and nothing lost', async () => {
    const r = await runOpenLoop({ url, paths: ['/a', '/b'], rate: 800, seconds: 1.5, connections: 8 });
    expect(r.scheduled).toBe(1200);
    expect(r.completed).toBe(1200);
    expect(r.errors + r.non2xx + r.dropped).toBe(0);
    expect(Math.abs(r.achievedRate - 800) / 800).toBeLessThan(0.05);
    expect(r.p50).toBeLessThan(5);
  });

  it('counts the time a stalled server kept requests waiting from their scheduled send time', async () => {
    // Started after the first test: the server stalls 400 ms on its first /stall request.
    const r = await runOpenLoop({ url, paths: ['/stall'], rate: 500, seconds: 2, connections: 8 });
    expect(r.completed).toBe(1000);
    // ~200 of the 1,000 requests were scheduled during the stall, waiting 0–400 ms: the top 5%
    // waited ≥ ~300 ms. A closed loop over 8 connections would record only ~8 slow requests.
    expect(r.p95).toBeGreaterThan(150);
    expect(r.max).toBeGreaterThan(350);
    expect(r.late).toBeGreaterThan(100);
  });
});
