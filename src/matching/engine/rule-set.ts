/**
 * Rule-set validation and compilation. A rule set is data: it names value extractors,
 * level predicates and blocking key functions from the registries and sets numbers.
 * compileRuleSet checks structure and meaning and reports one message per problem, each
 * prefixed with its JSON path.
 */
import { createHash } from 'node:crypto';
import { BLOCKING_KEY_FUNCTIONS } from './blocking.js';
import { LEVEL_PREDICATES, VALUE_EXTRACTORS, type PredicateParams } from './comparators.js';
import type { CompiledBlockingRule, CompiledField, CompiledLevel, CompiledPrior, CompiledRuleSet } from './types.js';

/** Allowed deviation of a field's Σm (and Σu) from 1. */
export const PROBABILITY_SUM_TOLERANCE = 0.02;

export type CompileResult = { ok: true; ruleSet: CompiledRuleSet } | { ok: false; errors: string[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const ID_RE = /^[a-z][a-z0-9_-]*$/;
/** A decision reason: machine-readable, kebab-case (it is stored with review tasks and shown to stewards). */
const REASON_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** The reason of a guard rule that does not name one (the SSN guard's, before 1.6.0). */
const DEFAULT_GUARD_REASON = 'strong-identifier-conflict';

/**
 * JSON with object keys sorted recursively (stable across key order and whitespace); members
 * whose value is undefined are left out, undefined array elements written as nothing (as
 * `[...].join` writes them). Content hashes are taken of it: its output must never change.
 * Built by appending, without an array per object (every fed record is hashed).
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(v[i]) ?? '';
    }
    return `${out}]`;
  }
  if (isObj(v)) {
    let out = '{';
    let first = true;
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (x === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(k)}:${canonicalJson(x)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(v);
}

class Errors {
  readonly list: string[] = [];
  add(path: string, msg: string): void {
    this.list.push(`${path}: ${msg}`);
  }
}

function openProb(errs: Errors, path: string, v: unknown): number | null {
  if (!isNum(v) || v <= 0 || v >= 1) {
    errs.add(path, `must be a number strictly between 0 and 1 (got ${JSON.stringify(v)})`);
    return null;
  }
  return v;
}

/** `{ fieldId: [levelId…] }` (non-empty); undefined (and errors) when malformed. Level ids are checked later, against the fields. */
function fieldLevelMap(errs: Errors, path: string, v: unknown): Record<string, string[]> | undefined {
  if (!isObj(v) || Object.keys(v).length === 0) {
    errs.add(path, 'must be a non-empty object { fieldId: [levelId…] }');
    return undefined;
  }
  const out: Record<string, string[]> = {};
  let ok = true;
  for (const [k, levels] of Object.entries(v)) {
    if (!Array.isArray(levels) || levels.length === 0 || !levels.every((l) => typeof l === 'string')) {
      errs.add(`${path}.${k}`, 'must be a non-empty array of level ids');
      ok = false;
    } else out[k] = levels as string[];
  }
  return ok ? out : undefined;
}

function str(errs: Errors, path: string, v: unknown, pattern?: RegExp): string | null {
  if (typeof v !== 'string' || v.trim() === '') {
    errs.add(path, 'must be a non-empty string');
    return null;
  }
  if (pattern && !pattern.test(v)) {
    errs.add(path, `must match ${pattern.source} (got ${JSON.stringify(v)})`);
    return null;
  }
  return v;
}

function posInt(errs: Errors, path: string, v: unknown, min = 1): number | null {
  if (!isNum(v) || !Number.isInteger(v) || v < min) {
    errs.add(path, `must be an integer ≥ ${min} (got ${JSON.stringify(v)})`);
    return null;
  }
  return v;
}

function unknownKeys(errs: Errors, path: string, o: Obj, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) errs.add(`${path}.${k}`, 'unknown property');
}

function compileLevels(errs: Errors, path: string, raw: unknown, extractorName: string | null, tfLevels: Set<string>): CompiledLevel[] {
  if (!Array.isArray(raw) || raw.length < 2) {
    errs.add(path, 'must be an array of at least two levels (one or more agreement levels, then "else")');
    return [];
  }
  const extractor = extractorName ? VALUE_EXTRACTORS[extractorName] : undefined;
  const levels: CompiledLevel[] = [];
  const ids = new Set<string>();
  let sumM = 0;
  let sumU = 0;
  let numbersOk = true;
  let structureOk = true;
  const lastThreshold = new Map<string, number>();
  raw.forEach((lv, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(lv)) {
      errs.add(p, 'must be an object');
      numbersOk = false;
      return;
    }
    unknownKeys(errs, p, lv, ['id', 'predicate', 'threshold', 'maxEdits', 'm', 'u', 'description']);
    const id = str(errs, `${p}.id`, lv.id, ID_RE);
    if (id !== null) {
      if (id === 'missing') errs.add(`${p}.id`, '"missing" is reserved (missing values are handled by the engine)');
      else if (ids.has(id)) errs.add(`${p}.id`, `duplicate level id "${id}"`);
      ids.add(id);
    }
    const predName = str(errs, `${p}.predicate`, lv.predicate);
    const pred = predName !== null ? LEVEL_PREDICATES[predName] : undefined;
    if (predName !== null && !pred) {
      errs.add(`${p}.predicate`, `unknown predicate "${predName}" (known: ${Object.keys(LEVEL_PREDICATES).join(', ')})`);
    }
    if (pred && extractor && !pred.kinds.includes(extractor.kind)) {
      errs.add(`${p}.predicate`, `predicate "${predName}" does not apply to ${extractor.kind} values of "${extractorName}"`);
    }
    const params: PredicateParams = {};
    if (pred) {
      for (const k of ['threshold', 'maxEdits'] as const) {
        if (!pred.params.includes(k) && lv[k] !== undefined) errs.add(`${p}.${k}`, `not a parameter of predicate "${predName}"`);
      }
      if (pred.params.includes('threshold')) {
        const t = lv.threshold;
        if (!isNum(t) || t <= 0 || t > 1) errs.add(`${p}.threshold`, `must be a number in (0, 1] (got ${JSON.stringify(t)})`);
        else {
          params.threshold = t;
          const prev = lastThreshold.get(predName as string);
          if (prev !== undefined && t >= prev) {
            errs.add(`${p}.threshold`, `levels out of order: threshold ${t} must be lower than the earlier ${predName} level's ${prev}`);
          }
          lastThreshold.set(predName as string, t);
        }
      }
      if (pred.params.includes('maxEdits')) {
        const k = lv.maxEdits;
        if (!isNum(k) || !Number.isInteger(k) || k < 1 || k > 3) errs.add(`${p}.maxEdits`, `must be an integer 1..3 (got ${JSON.stringify(k)})`);
        else {
          params.maxEdits = k;
          const prev = lastThreshold.get(predName as string);
          if (prev !== undefined && k <= prev) errs.add(`${p}.maxEdits`, `levels out of order: maxEdits ${k} must exceed the earlier level's ${prev}`);
          lastThreshold.set(predName as string, k);
        }
      }
    }
    const isLast = i === raw.length - 1;
    if (predName === 'else' && !isLast) {
      errs.add(`${p}.predicate`, '"else" must be the last level');
      structureOk = false;
    }
    if (isLast && predName !== null && predName !== 'else' && !raw.some((x) => isObj(x) && x.predicate === 'else')) {
      errs.add(`${p}.predicate`, 'the last level must use predicate "else"');
      structureOk = false;
    }
    const m = openProb(errs, `${p}.m`, lv.m);
    const u = openProb(errs, `${p}.u`, lv.u);
    if (m === null || u === null) numbersOk = false;
    else {
      sumM += m;
      sumU += u;
    }
    if (id !== null && pred && extractor && m !== null && u !== null) {
      levels.push({
        id,
        predicate: predName as string,
        m,
        u,
        weight: Math.log2(m / u),
        test: pred.build(params, extractor),
        tf: tfLevels.has(id),
      });
    }
  });
  if (numbersOk) {
    if (Math.abs(sumM - 1) > PROBABILITY_SUM_TOLERANCE) {
      errs.add(path, `m values must sum to 1 ± ${PROBABILITY_SUM_TOLERANCE} (sum is ${sumM.toFixed(4)})`);
    }
    if (Math.abs(sumU - 1) > PROBABILITY_SUM_TOLERANCE) {
      errs.add(path, `u values must sum to 1 ± ${PROBABILITY_SUM_TOLERANCE} (sum is ${sumU.toFixed(4)})`);
    }
  }
  if (numbersOk && structureOk) {
    const first = raw[0] as Obj;
    const last = raw[raw.length - 1] as Obj;
    if ((first.m as number) <= (first.u as number)) errs.add(`${path}[0]`, 'the first (strongest) level must have m > u');
    if ((last.m as number) >= (last.u as number)) errs.add(`${path}[${raw.length - 1}]`, 'the "else" level must have m < u');
  }
  for (const t of tfLevels) if (!ids.has(t)) errs.add(path, `term-frequency level "${t}" is not a level of this field`);
  return levels;
}

function compileField(errs: Errors, path: string, raw: unknown, seen: Set<string>): CompiledField | null {
  if (!isObj(raw)) {
    errs.add(path, 'must be an object');
    return null;
  }
  unknownKeys(errs, path, raw, ['id', 'label', 'value', 'levels', 'termFrequency', 'description']);
  const id = str(errs, `${path}.id`, raw.id, ID_RE);
  if (id !== null) {
    if (seen.has(id)) errs.add(`${path}.id`, `duplicate field id "${id}"`);
    seen.add(id);
  }
  const valueName = str(errs, `${path}.value`, raw.value);
  const extractor = valueName !== null ? VALUE_EXTRACTORS[valueName] : undefined;
  if (valueName !== null && !extractor) {
    errs.add(`${path}.value`, `unknown value "${valueName}" (known: ${Object.keys(VALUE_EXTRACTORS).join(', ')})`);
  }
  let termFrequency: CompiledField['termFrequency'] = null;
  const tfLevels = new Set<string>();
  if (raw.termFrequency !== undefined) {
    const tp = `${path}.termFrequency`;
    const tf = raw.termFrequency;
    if (!isObj(tf)) errs.add(tp, 'must be an object');
    else {
      unknownKeys(errs, tp, tf, ['levels', 'weight', 'minFrequency', 'maxAdjustment']);
      if (extractor && !extractor.tfValue) errs.add(tp, `value "${valueName}" does not support term frequencies`);
      if (!Array.isArray(tf.levels) || tf.levels.length === 0 || !tf.levels.every((l) => typeof l === 'string')) {
        errs.add(`${tp}.levels`, 'must be a non-empty array of level ids');
      } else for (const l of tf.levels as string[]) tfLevels.add(l);
      const w = tf.weight;
      if (!isNum(w) || w <= 0 || w > 1) errs.add(`${tp}.weight`, `must be a number in (0, 1] (got ${JSON.stringify(w)})`);
      const minF = openProb(errs, `${tp}.minFrequency`, tf.minFrequency);
      const maxA = tf.maxAdjustment;
      if (!isNum(maxA) || maxA <= 0) errs.add(`${tp}.maxAdjustment`, `must be a positive number of bits (got ${JSON.stringify(maxA)})`);
      if (isNum(w) && minF !== null && isNum(maxA)) termFrequency = { weight: w, minFrequency: minF, maxAdjustment: maxA };
    }
  }
  const levels = compileLevels(errs, `${path}.levels`, raw.levels, extractor ? valueName : null, tfLevels);
  if (id === null || !extractor) return null;
  return {
    id,
    value: valueName as string,
    kind: extractor.kind,
    extract: extractor.extract,
    display: extractor.display,
    tfValue: extractor.tfValue ?? null,
    levels,
    termFrequency,
  };
}

/**
 * Validate and compile a raw rule set (parsed JSON). Returns every problem found, one
 * message per problem, each starting with its JSON path (`$.fields[2].levels[0].m: …`).
 */
export function compileRuleSet(raw: unknown): CompileResult {
  const errs = new Errors();
  if (!isObj(raw)) return { ok: false, errors: ['$: rule set must be a JSON object'] };
  unknownKeys(errs, '$', raw, [
    '$schema', 'id', 'version', 'description', 'lambda', 'prior', 'thresholds', 'grades', 'decision', 'termFrequency', 'fields', 'blocking',
  ]);
  const id = str(errs, '$.id', raw.id, ID_RE);
  const version = str(errs, '$.version', raw.version);
  if (raw.description !== undefined && typeof raw.description !== 'string') errs.add('$.description', 'must be a string');
  const lambda = openProb(errs, '$.lambda', raw.lambda);

  // prior that follows the index size (optional)
  let prior: CompiledPrior | null = null;
  if (raw.prior !== undefined) {
    const pr = raw.prior;
    if (!isObj(pr)) errs.add('$.prior', 'must be an object { expectedMatchShare, minRecords }');
    else {
      unknownKeys(errs, '$.prior', pr, ['expectedMatchShare', 'minRecords', 'description']);
      const share = pr.expectedMatchShare;
      let shareOk: number | null = null;
      if (!isNum(share) || share <= 0 || share > 1) {
        errs.add('$.prior.expectedMatchShare', `must be a number in (0, 1] (got ${JSON.stringify(share)})`);
      } else shareOk = share;
      const floor = posInt(errs, '$.prior.minRecords', pr.minRecords, 1);
      if (shareOk !== null && floor !== null) {
        if (shareOk / floor >= 1) {
          errs.add('$.prior', `expectedMatchShare / minRecords must be < 1 (λ would reach 1, an infinite prior)`);
        } else prior = { expectedMatchShare: shareOk, minRecords: floor };
      }
    }
  }

  // thresholds and grades
  let autoLink: number | null = null;
  let review: number | null = null;
  if (!isObj(raw.thresholds)) errs.add('$.thresholds', 'must be an object { autoLink, review }');
  else {
    unknownKeys(errs, '$.thresholds', raw.thresholds, ['autoLink', 'review']);
    autoLink = openProb(errs, '$.thresholds.autoLink', raw.thresholds.autoLink);
    review = openProb(errs, '$.thresholds.review', raw.thresholds.review);
    if (autoLink !== null && review !== null && review >= autoLink) {
      errs.add('$.thresholds.review', `must be lower than thresholds.autoLink (${review} ≥ ${autoLink})`);
    }
  }
  let probable: number | null = null;
  let possible: number | null = null;
  if (!isObj(raw.grades)) errs.add('$.grades', 'must be an object { probable, possible } (certain = thresholds.autoLink)');
  else {
    unknownKeys(errs, '$.grades', raw.grades, ['probable', 'possible']);
    probable = openProb(errs, '$.grades.probable', raw.grades.probable);
    possible = openProb(errs, '$.grades.possible', raw.grades.possible);
    if (probable !== null && possible !== null && possible >= probable) {
      errs.add('$.grades.possible', `must be lower than grades.probable (${possible} ≥ ${probable})`);
    }
    if (probable !== null && autoLink !== null && probable >= autoLink) {
      errs.add('$.grades.probable', `must be lower than thresholds.autoLink (${probable} ≥ ${autoLink})`);
    }
  }

  // decision
  let sameSourceDuplicate: 'link' | 'review' = 'link';
  let maxReviewTasks = 5;
  let dominanceBits: number | null = null;
  let reevaluatePendingReviews: { maxRecords: number } | null = null;
  const strongRaw: Array<{ field: string; levels: string[]; unlessAgree: Record<string, string[]> | null; excludeIf: Record<string, string[]> | null; reason: string; kind: 'identifier' | 'household'; path: string }> = [];
  if (!isObj(raw.decision)) errs.add('$.decision', 'must be an object');
  else {
    const d = raw.decision;
    unknownKeys(errs, '$.decision', d, ['sameSourceDuplicate', 'maxReviewTasks', 'strongIdentifierConflicts', 'multiplePersons', 'reevaluatePendingReviews']);
    if (d.reevaluatePendingReviews !== undefined) {
      if (!isObj(d.reevaluatePendingReviews)) errs.add('$.decision.reevaluatePendingReviews', 'must be an object');
      else {
        unknownKeys(errs, '$.decision.reevaluatePendingReviews', d.reevaluatePendingReviews, ['maxRecords']);
        const n = posInt(errs, '$.decision.reevaluatePendingReviews.maxRecords', d.reevaluatePendingReviews.maxRecords);
        if (n !== null) reevaluatePendingReviews = { maxRecords: n };
      }
    }
    if (d.multiplePersons !== undefined) {
      if (!isObj(d.multiplePersons)) errs.add('$.decision.multiplePersons', 'must be an object');
      else {
        unknownKeys(errs, '$.decision.multiplePersons', d.multiplePersons, ['dominanceBits']);
        const bits = d.multiplePersons.dominanceBits;
        if (typeof bits !== 'number' || !Number.isFinite(bits) || bits <= 0) {
          errs.add('$.decision.multiplePersons.dominanceBits', 'must be a number > 0');
        } else dominanceBits = bits;
      }
    }
    if (d.sameSourceDuplicate !== 'link' && d.sameSourceDuplicate !== 'review') {
      errs.add('$.decision.sameSourceDuplicate', 'must be "link" or "review"');
    } else sameSourceDuplicate = d.sameSourceDuplicate;
    maxReviewTasks = posInt(errs, '$.decision.maxReviewTasks', d.maxReviewTasks) ?? maxReviewTasks;
    if (!Array.isArray(d.strongIdentifierConflicts)) errs.add('$.decision.strongIdentifierConflicts', 'must be an array');
    else {
      d.strongIdentifierConflicts.forEach((s, i) => {
        const p = `$.decision.strongIdentifierConflicts[${i}]`;
        if (!isObj(s)) return errs.add(p, 'must be an object { field, levels, unlessAgree?, excludeIf?, reason?, kind? }');
        unknownKeys(errs, p, s, ['field', 'levels', 'unlessAgree', 'excludeIf', 'reason', 'kind', 'description']);
        const kind = s.kind === undefined || s.kind === 'identifier' || s.kind === 'household' ? ((s.kind ?? 'identifier') as 'identifier' | 'household') : null;
        if (kind === null) errs.add(`${p}.kind`, 'must be "identifier" or "household"');
        const f = str(errs, `${p}.field`, s.field);
        const reason = s.reason === undefined ? DEFAULT_GUARD_REASON : str(errs, `${p}.reason`, s.reason, REASON_RE);
        const unlessAgree = s.unlessAgree === undefined ? null : fieldLevelMap(errs, `${p}.unlessAgree`, s.unlessAgree);
        const excludeIf = s.excludeIf === undefined ? null : fieldLevelMap(errs, `${p}.excludeIf`, s.excludeIf);
        const unlessOk = unlessAgree !== undefined && excludeIf !== undefined;
        if (!Array.isArray(s.levels) || s.levels.length === 0 || !s.levels.every((l) => typeof l === 'string')) {
          errs.add(`${p}.levels`, 'must be a non-empty array of level ids');
        } else if (f !== null && unlessOk && reason !== null && kind !== null) strongRaw.push({ field: f, levels: s.levels as string[], unlessAgree, excludeIf, reason, kind, path: p });
      });
    }
  }

  let minRecords = 1000;
  if (raw.termFrequency !== undefined) {
    if (!isObj(raw.termFrequency)) errs.add('$.termFrequency', 'must be an object { minRecords }');
    else {
      unknownKeys(errs, '$.termFrequency', raw.termFrequency, ['minRecords']);
      minRecords = posInt(errs, '$.termFrequency.minRecords', raw.termFrequency.minRecords, 0) ?? minRecords;
    }
  }

  // fields
  const fields: CompiledField[] = [];
  /** Fields with errors of their own: references to their levels are not checked again. */
  const brokenFields = new Set<string>();
  if (!Array.isArray(raw.fields) || raw.fields.length === 0) errs.add('$.fields', 'must be a non-empty array');
  else {
    const seen = new Set<string>();
    raw.fields.forEach((f, i) => {
      const before = errs.list.length;
      const c = compileField(errs, `$.fields[${i}]`, f, seen);
      if (c) fields.push(c);
      if (errs.list.length > before && isObj(f) && typeof f.id === 'string') brokenFields.add(f.id);
    });
  }
  // Field and level references are checked against the ids written in the file, and level
  // references not at all for a field with errors of its own (one message per problem).
  const declaredLevels = new Map<string, Set<string>>();
  if (Array.isArray(raw.fields)) {
    for (const f of raw.fields) {
      if (!isObj(f) || typeof f.id !== 'string' || declaredLevels.has(f.id)) continue;
      const ls = Array.isArray(f.levels) ? f.levels : [];
      declaredLevels.set(f.id, new Set(ls.filter(isObj).map((l) => l.id).filter((x): x is string => typeof x === 'string')));
    }
  }
  for (const s of strongRaw) {
    const f = declaredLevels.get(s.field);
    if (!f) {
      if (Array.isArray(raw.fields)) errs.add(`${s.path}.field`, `unknown field "${s.field}"`);
    } else if (!brokenFields.has(s.field)) {
      for (const l of s.levels) if (!f.has(l)) errs.add(`${s.path}.levels`, `"${l}" is not a level of field "${s.field}"`);
    }
    const checkRefs = (key: 'unlessAgree' | 'excludeIf', refs: Record<string, string[]> | null, allowMissing: boolean) => {
      for (const [af, al] of Object.entries(refs ?? {})) {
        const g = declaredLevels.get(af);
        if (af === s.field) {
          errs.add(`${s.path}.${key}.${af}`, 'must name a field other than the conflict field itself');
          continue;
        }
        if (!g) {
          if (Array.isArray(raw.fields)) errs.add(`${s.path}.${key}.${af}`, `unknown field "${af}"`);
          continue;
        }
        if (brokenFields.has(af)) continue;
        // "missing" (either side absent) may be listed in unlessAgree: the field then only must not disagree.
        for (const l of al) if (!(allowMissing && l === 'missing') && !g.has(l)) errs.add(`${s.path}.${key}.${af}`, `"${l}" is not a level of field "${af}"`);
        if (allowMissing && al.length > 0 && al.every((l) => l === 'missing')) errs.add(`${s.path}.${key}.${af}`, 'must list at least one level other than "missing"');
      }
    };
    checkRefs('unlessAgree', s.unlessAgree, true);
    checkRefs('excludeIf', s.excludeIf, false);
  }

  // blocking
  let maxBlockSize = 0;
  const rules: CompiledBlockingRule[] = [];
  if (!isObj(raw.blocking)) errs.add('$.blocking', 'must be an object { maxBlockSize, rules }');
  else {
    unknownKeys(errs, '$.blocking', raw.blocking, ['maxBlockSize', 'rules']);
    maxBlockSize = posInt(errs, '$.blocking.maxBlockSize', raw.blocking.maxBlockSize) ?? 0;
    const rr = raw.blocking.rules;
    if (!Array.isArray(rr) || rr.length === 0) errs.add('$.blocking.rules', 'must be a non-empty array');
    else {
      const ids = new Set<string>();
      rr.forEach((r, i) => {
        const p = `$.blocking.rules[${i}]`;
        if (!isObj(r)) return errs.add(p, 'must be an object { id, keys }');
        unknownKeys(errs, p, r, ['id', 'keys', 'maxBlockSize', 'description']);
        const rid = str(errs, `${p}.id`, r.id, ID_RE);
        if (rid !== null) {
          if (ids.has(rid)) errs.add(`${p}.id`, `duplicate blocking rule id "${rid}"`);
          ids.add(rid);
        }
        if (!Array.isArray(r.keys) || r.keys.length === 0) return errs.add(`${p}.keys`, 'must be a non-empty array of key function names');
        const fns: CompiledBlockingRule['fns'] = [];
        (r.keys as unknown[]).forEach((k, j) => {
          const fn = typeof k === 'string' ? BLOCKING_KEY_FUNCTIONS[k] : undefined;
          if (!fn) {
            errs.add(`${p}.keys[${j}]`, `unknown key function ${JSON.stringify(k)} (known: ${Object.keys(BLOCKING_KEY_FUNCTIONS).join(', ')})`);
          } else fns.push(fn);
        });
        let cap = maxBlockSize;
        if (r.maxBlockSize !== undefined) {
          const own = posInt(errs, `${p}.maxBlockSize`, r.maxBlockSize);
          if (own !== null && maxBlockSize > 0 && own > maxBlockSize) {
            errs.add(`${p}.maxBlockSize`, `must not exceed $.blocking.maxBlockSize (${maxBlockSize}): a rule's cap only narrows the rule set's`);
          } else if (own !== null) cap = own;
        }
        if (rid !== null && fns.length === r.keys.length) rules.push({ id: rid, keys: r.keys as string[], fns, maxBlockSize: cap });
      });
    }
  }

  if (errs.list.length > 0) return { ok: false, errors: errs.list };
  const lam = lambda as number;
  return {
    ok: true,
    ruleSet: {
      id: id as string,
      version: version as string,
      hash: createHash('sha256').update(canonicalJson(raw)).digest('hex'),
      description: typeof raw.description === 'string' ? raw.description : '',
      lambda: lam,
      priorWeight: Math.log2(lam / (1 - lam)),
      prior,
      thresholds: { autoLink: autoLink as number, review: review as number },
      grades: { certain: autoLink as number, probable: probable as number, possible: possible as number },
      fields,
      blocking: { maxBlockSize, rules },
      decision: {
        sameSourceDuplicate,
        maxReviewTasks,
        strongIdentifierConflicts: strongRaw.map((s) => ({ field: s.field, levels: s.levels, unlessAgree: s.unlessAgree, excludeIf: s.excludeIf, reason: s.reason, kind: s.kind })),
        multiplePersons: dominanceBits === null ? null : { dominanceBits },
        reevaluatePendingReviews,
      },
      termFrequency: { minRecords },
    },
  };
}
