/** Unit tests: the shipped rule set (matching-rules/default.json) compiled, optionally patched first. */
import { readFileSync } from 'node:fs';
import { compileRuleSet } from '../../src/matching/engine/rule-set.js';
import type { CompiledRuleSet } from '../../src/matching/engine/types.js';

/** The raw JSON of the default rule set (a fresh copy each call). */
export function defaultRuleSetJson(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(new URL('../../matching-rules/default.json', import.meta.url), 'utf8'));
}

/** The default rule set compiled after `patch` changed its JSON; throws with the errors if it does not compile. */
export function defaultRuleSet(patch?: (r: Record<string, any>) => void): CompiledRuleSet { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = defaultRuleSetJson();
  patch?.(raw);
  const r = compileRuleSet(raw);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.ruleSet;
}
