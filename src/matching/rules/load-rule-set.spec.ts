import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, RuleSetLoadError } from './load-rule-set.js';

const defaultPath = new URL('../../../matching-rules/default.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'rules-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadRuleSet', () => {
  it('loads and compiles the default rule set', () => {
    const rs = loadRuleSet(defaultPath);
    expect(rs.id).toBe('us-hie-default');
    expect(rs.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists every error with file path and JSON path', () => {
    const raw = JSON.parse(readFileSync(defaultPath, 'utf8'));
    raw.lambda = 2;
    raw.fields[0].levels[0].predicate = 'nope';
    const p = write('bad.json', JSON.stringify(raw));
    let err: unknown;
    try {
      loadRuleSet(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleSetLoadError);
    const e = err as RuleSetLoadError;
    expect(e.errors).toHaveLength(2);
    expect(e.message).toContain(`${p} $.lambda:`);
    expect(e.message).toContain(`${p} $.fields[0].levels[0].predicate:`);
  });

  it.each([
    ['not JSON', '{ nope', 'not valid JSON'],
    ['not an object', '[]', 'rule set must be a JSON object'],
  ])('rejects a file that is %s', (_l, text, msg) => {
    expect(() => loadRuleSet(write(`${_l.replace(/ /g, '-')}.json`, text))).toThrow(msg);
  });

  it('rejects a missing file', () => expect(() => loadRuleSet(join(dir, 'absent.json'))).toThrow('cannot read file (ENOENT)'));
});
