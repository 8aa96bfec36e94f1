/**
 * CPU per row of validateDemographics on N synthetic batch rows (BENCH_N, default 100000;
 * BENCH_SEED, default 42), the rows mapped as the batch maps a CSV row (csvRowToRecord).
 * Run compiled (class-validator's decorators as tsc emits them): `npm run build &&
 * node dist/scripts/bench-validate.js [other-dist]`. With another build's dist directory as the
 * argument it times that build's validateDemographics on the same rows (back-to-back
 * comparisons). Also prints, for reference, the fast check (this build's), the NUL check and
 * class-validator alone.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { SYNTHETIC_COLUMNS, syntheticPatients } from '../test/factories/synthetic-patients.js';
import { csvRowToRecord } from '../src/batch/batch-rows.js';
import { unstorableCharacterErrors } from '../src/common/unstorable-characters.js';
import { DemographicsDto } from '../src/identities/dto/demographics.dto.js';

type Validate = (plain: unknown) => { errors: unknown[] };

const n = Number(process.env.BENCH_N ?? 100_000);
const seed = Number(process.env.BENCH_SEED ?? 42);
const other = process.argv[2];
const modulePath = other ? resolve(other, 'src/identities/demographics.validation.js') : '../src/identities/demographics.validation.js';
const { validateDemographics } = (await import(other ? pathToFileURL(modulePath).href : modulePath)) as { validateDemographics: Validate };

const cols = [...SYNTHETIC_COLUMNS];
const rows: unknown[] = [];
for (const row of syntheticPatients(n, { seed })) {
  rows.push(csvRowToRecord(cols, cols.map((c) => (c === 'localId' ? row.localId : (row.fields[c] ?? '')))).demographics);
}

function time(label: string, f: (x: unknown) => number): void {
  for (let i = 0; i < Math.min(5000, rows.length); i++) f(rows[i]); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bad = 0;
  for (const x of rows) bad += f(x);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  console.log(`${label.padEnd(44)} ${(cpuUs / rows.length).toFixed(2).padStart(8)} µs/row CPU  ${(wallUs / rows.length).toFixed(2).padStart(8)} µs/row wall  invalid=${bad}`);
}

const options = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };
console.log(`${rows.length} synthetic rows (seed ${seed}); validateDemographics from ${other ? modulePath : 'this build'}`);
time('validateDemographics', (x) => (validateDemographics(x).errors.length ? 1 : 0));
if (!other) {
  const { acceptsDemographics } = await import('../src/identities/demographics.fast-check.js');
  time('  for reference: the fast check alone', (x) => (acceptsDemographics(x) ? 0 : 1));
}
time('  for reference: NUL check alone', (x) => (unstorableCharacterErrors(x).length ? 1 : 0));
time('  for reference: class-validator alone', (x) => (validateSync(plainToInstance(DemographicsDto, x as object), options).length ? 1 : 0));
