/**
 * `npm run keys:rebuild`: computes every active record's blocking keys again from its stored
 * normalized form with the rule set the service uses (MATCHING_RULES_PATH, default
 * matching-rules/default.json), against DATABASE_URL, in one transaction. For a rule set whose
 * blocking rules changed (records stored before lack the new rules' keys), or to restore the
 * keys at once after a database server crash instead of waiting for a service to notice.
 * Feeds and chunks wait on the lock while it runs. Prints counts only.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from '../database/data-source-options.js';
import { BlockingIndexRepository } from './blocking-index.repository.js';
import { BlockingIndexService } from './blocking-index.service.js';
import { loadRuleSet } from './rules/load-rule-set.js';

const config = loadConfig();
if (!config.database.url) {
  console.error('Set DATABASE_URL to the database whose blocking keys to rebuild');
  process.exit(1);
}
const ruleSet = loadRuleSet(config.matchingRulesPath);
const dataSource = await new DataSource(buildDataSourceOptions(config.database.url, 1)).initialize();
try {
  const result = await new BlockingIndexService(dataSource, new BlockingIndexRepository(), ruleSet).rebuild({ force: true });
  console.log(`rebuilt the blocking keys of ${result!.records} records (${result!.keys} keys) with rule set ${ruleSet.id} ${ruleSet.version} in ${(result!.ms / 1000).toFixed(1)} s`);
} finally {
  await dataSource.destroy();
}
