/** HTTP client of batch loads, shared by `npm run load` and `npm run bench:batch`. */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface LoadStatus {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  counts: { rows: number; created: number; updated: number; unchanged: number; linked: number; review: number; rejected: number };
  chunks: { total: number; done: number; failed: number; pending: number };
  startedAt: string | null;
  finishedAt: string | null;
}

export async function getToken(base: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  if (!res.ok) throw new Error(`token request failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Streams the file as the request body (never read whole); `onBytes` sees the bytes sent. */
export function uploadFile(base: string, token: string, org: string, file: string, onBytes?: (sent: number, total: number) => void): Promise<{ id: string }> {
  const total = statSync(file).size;
  const format = /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv';
  const url = new URL(`/api/v1/batch-loads?organizationId=${encodeURIComponent(org)}&format=${format}`, base);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson', 'content-length': total },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 202) reject(new Error(`upload refused: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as { id: string });
      });
    });
    req.on('error', reject);
    let sent = 0;
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    stream.on('data', (c) => {
      sent += c.length;
      onBytes?.(sent, total);
    });
    stream.pipe(req);
  });
}

export async function getLoad(base: string, token: string, id: string): Promise<LoadStatus> {
  const res = await fetch(`${base}/api/v1/batch-loads/${id}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`progress request failed: ${res.status}`);
  return (await res.json()) as LoadStatus;
}

/** Polls until the load finishes, calling `onProgress` each time. */
export async function waitForLoad(base: string, token: string, id: string, onProgress?: (s: LoadStatus) => void, everyMs = 1_000): Promise<LoadStatus> {
  let failures = 0;
  for (;;) {
    let s: LoadStatus;
    try {
      s = await getLoad(base, token, id);
      failures = 0;
    } catch (e) {
      // A restarting server or a dropped connection: the load goes on; give up after a while.
      if (++failures > 10) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
      continue;
    }
    onProgress?.(s);
    if (s.status === 'completed' || s.status === 'failed') return s;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const processed = (s: LoadStatus) => s.counts.created + s.counts.updated + s.counts.unchanged + s.counts.rejected;

/** `[#####.....] 42% 12,345/100,000 rows 2,345 rows/s ETA 37 s` */
export function progressLine(done: number, total: number, startedMs: number, unit = 'rows'): string {
  const width = 30;
  const share = total ? Math.min(done / total, 1) : 1;
  const secs = (Date.now() - startedMs) / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const eta = rate > 0 ? (total - done) / rate : NaN;
  const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  return `[${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)} ${unit} ${fmt(rate)} ${unit}/s ETA ${Number.isFinite(eta) ? `${fmt(eta)} s` : '?'}`;
}
