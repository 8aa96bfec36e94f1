import { readFileSync } from 'node:fs';
import { compileRuleSet, type CompiledRuleSet } from '../engine/index.js';

/** Error thrown when a rule-set file cannot be read, parsed or compiled. */
export class RuleSetLoadError extends Error {
  constructor(
    readonly path: string,
    readonly errors: string[],
  ) {
    super(`Invalid matching rule set ${path}:\n${errors.map((e) => `  - ${path} ${e}`).join('\n')}`);
    this.name = 'RuleSetLoadError';
  }
}

/**
 * Read a rule-set JSON file, validate and compile it. Throws a RuleSetLoadError whose
 * message lists every problem (file path + JSON path + problem).
 */
export function loadRuleSet(path: string): CompiledRuleSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuleSetLoadError(path, [`$: cannot read file (${(e as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RuleSetLoadError(path, [`$: not valid JSON (${(e as Error).message})`]);
  }
  const result = compileRuleSet(raw);
  if (!result.ok) throw new RuleSetLoadError(path, result.errors);
  return result.ruleSet;
}
