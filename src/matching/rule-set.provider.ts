import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { loadRuleSet } from './rules/load-rule-set.js';

export const RULE_SET = Symbol('RULE_SET');

/** The active rule set, validated at start-up: a bad file stops the service with every error listed. */
export const ruleSetProvider: Provider = {
  provide: RULE_SET,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => loadRuleSet(config.matchingRulesPath),
};
