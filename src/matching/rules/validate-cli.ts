/**
 * `npm run rules:validate [file]`: validate a matching rule set (default
 * matching-rules/default.json). Prints OK with id/version/hash, or every error and exits 1.
 */
import { loadRuleSet, RuleSetLoadError } from './load-rule-set.js';

const file = process.argv[2] ?? 'matching-rules/default.json';
try {
  const rs = loadRuleSet(file);
  console.log(`OK ${file}: id=${rs.id} version=${rs.version} hash=${rs.hash} fields=${rs.fields.length} blockingRules=${rs.blocking.rules.length}`);
} catch (e) {
  if (e instanceof RuleSetLoadError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
