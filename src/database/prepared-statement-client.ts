import { createHash } from 'node:crypto';
import pg from 'pg';

/** Statements longer than this, or with more parameters, are sent unprepared (one-off shapes). */
const MAX_TEXT = 16_000;
const MAX_PARAMETERS = 100;

/**
 * A `pg` client that runs every parameterized statement as a named prepared statement
 * (the name is a hash of its text). PostgreSQL then parses and plans each statement once per
 * connection and reuses its generic plan: the feed and the locator send the same
 * dozen statements thousands of times a second, and parsing and planning them was a large
 * share of the database's CPU per request. Behaviour is otherwise unchanged: the same text,
 * the same parameters, the same results.
 *
 * Only for a real PostgreSQL server: the embedded PGlite serves every socket connection from
 * one backend session, where a statement prepared by one connection collides with the next.
 */
export class PreparedStatementClient extends pg.Client {
  constructor(config: pg.ClientConfig) {
    // Generic plans: left to itself, PostgreSQL re-plans a statement with optional filters
    // ("$4 IS NULL OR o.id = $4") on every run, and planning the locator's statement took
    // about three times as long as running it. Every statement here looks rows up by key
    // with plans that do not depend on the values.
    super({ ...config, options: [config.options, '-c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' ') });
  }

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && values.length <= MAX_PARAMETERS && config.length <= MAX_TEXT) {
      config = { name: statementName(config), text: config };
    }
    return (super.query as (...args: unknown[]) => never)(config, values, callback);
  }
}

const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`;
    if (names.size < 10_000) names.set(text, name);
  }
  return name;
}
