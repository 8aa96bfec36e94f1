/**
 * Summarizes the chunk phase timings a batch load logs at LOG_LEVEL=debug ("batch chunk
 * timings": ids, counts and milliseconds only): mean ms and counts per chunk over ranges of
 * chunk numbers, from one or more log files (server and workers).
 *
 *   npx tsx scripts/batch-phases.ts [--buckets 10] /tmp/mpi-bench-batch-*.log
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let buckets = 10;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--buckets') buckets = Number(args[++i]);
  else files.push(args[i]);
}
interface Chunk { seq: number; ms: Record<string, number>; counts: Record<string, number>; memory?: Record<string, number> }
const chunks: Chunk[] = [];
for (const f of files) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.includes('"batch chunk timings"')) continue;
    const j = JSON.parse(line) as Chunk;
    chunks.push({ seq: j.seq, ms: j.ms, counts: j.counts ?? {}, memory: j.memory });
  }
}
if (chunks.length === 0) {
  console.log('no "batch chunk timings" lines (run the load with LOG_LEVEL=debug)');
  process.exit(1);
}
const maxSeq = Math.max(...chunks.map((c) => c.seq));
const width = Math.ceil(maxSeq / buckets);
const phases = [...new Set(chunks.flatMap((c) => Object.keys(c.ms)))];
const counts = [...new Set(chunks.flatMap((c) => Object.keys(c.counts)))];
const rows: string[][] = [['chunks', 'n', ...phases, ...counts.map((c) => `#${c}`), 'heapMB']];
for (let b = 0; b < buckets; b++) {
  const lo = b * width + 1;
  const hi = Math.min(maxSeq, (b + 1) * width);
  const sel = chunks.filter((c) => c.seq >= lo && c.seq <= hi);
  if (sel.length === 0) continue;
  const mean = (f: (c: Chunk) => number | undefined) => Math.round(sel.reduce((a, c) => a + (f(c) ?? 0), 0) / sel.length);
  rows.push([`${lo}-${hi}`, String(sel.length), ...phases.map((p) => String(mean((c) => c.ms[p]))), ...counts.map((k) => String(mean((c) => c.counts[k]))), String(Math.max(...sel.map((c) => c.memory?.heapUsed ?? 0)))]);
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((x, i) => x.padStart(w[i])).join(' '));
