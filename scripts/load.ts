/**
 * `npm run load -- --org <id> <file>`: uploads a CSV or NDJSON file as a batch load, shows a
 * progress bar (upload, then rows processed, rows/s, ETA) and prints the final counts.
 *
 * Options: --url (default MPI_URL or http://localhost:3000), --client-id / --client-secret
 * (default MPI_CLIENT_ID / MPI_CLIENT_SECRET, else ./data/admin-credentials.json written by
 * `npm start`), --token (a bearer token instead). Exit code 1 when the load failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getToken, progressLine, processed, uploadFile, waitForLoad } from './batch-client.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { org: { type: 'string' }, url: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, token: { type: 'string' } },
});
const file = positionals[0];
if (!values.org || !file) {
  console.error('usage: npm run load -- --org <organizationId> [--url http://localhost:3000] [--client-id id --client-secret s | --token t] <file.csv|file.ndjson>');
  process.exit(2);
}
const base = values.url ?? process.env.MPI_URL ?? 'http://localhost:3000';
const tty = process.stderr.isTTY;
const show = (line: string) => (tty ? process.stderr.write(`\r${line}`) : undefined);

async function token(): Promise<string> {
  if (values.token) return values.token;
  let id = values['client-id'] ?? process.env.MPI_CLIENT_ID;
  let secret = values['client-secret'] ?? process.env.MPI_CLIENT_SECRET;
  if ((!id || !secret) && existsSync('data/admin-credentials.json')) {
    const c = JSON.parse(readFileSync('data/admin-credentials.json', 'utf8')) as { clientId: string; clientSecret: string };
    id = c.clientId;
    secret = c.clientSecret;
  }
  if (!id || !secret) throw new Error('no credentials: pass --client-id/--client-secret or --token');
  return getToken(base, id, secret);
}

const t = await token();
const t0 = Date.now();
const { id } = await uploadFile(base, t, values.org, file, (sent, total) => show(progressLine(sent / 1e6, total / 1e6, t0, 'MB')));
if (tty) process.stderr.write('\n');
console.error(`load ${id} stored in ${((Date.now() - t0) / 1000).toFixed(1)} s; processing`);
const t1 = Date.now();
const final = await waitForLoad(base, t, id, (s) => show(progressLine(processed(s), s.counts.rows, t1)));
if (tty) process.stderr.write('\n');
console.log(JSON.stringify({ id, status: final.status, counts: final.counts, chunks: final.chunks, seconds: (Date.now() - t0) / 1000 }, null, 2));
console.error(`errors report: GET ${base}/api/v1/batch-loads/${id}/errors`);
process.exit(final.status === 'completed' ? 0 : 1);
