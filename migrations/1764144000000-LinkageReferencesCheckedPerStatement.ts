import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A foreign key this migration replaces: `child.column` references `parent.id`. */
interface Reference {
  child: string;
  column: string;
  parent: string;
  constraint: string;
}

const REFERENCES: Reference[] = [
  { child: 'source_record', column: 'organization_id', parent: 'organization', constraint: 'source_record_organization_id_fkey' },
  { child: 'record_link', column: 'record_id', parent: 'source_record', constraint: 'record_link_record_id_fkey' },
  { child: 'record_link', column: 'person_id', parent: 'person', constraint: 'record_link_person_id_fkey' },
  { child: 'link_event', column: 'record_id', parent: 'source_record', constraint: 'link_event_record_id_fkey' },
  { child: 'link_event', column: 'person_id', parent: 'person', constraint: 'link_event_person_id_fkey' },
  { child: 'link_event', column: 'previous_person_id', parent: 'person', constraint: 'link_event_previous_person_id_fkey' },
];

const tables = (pick: (r: Reference) => string): string[] => [...new Set(REFERENCES.map(pick))];

/** The check of every reference of `child` over the statement's new rows (`new_rows`). */
function childCheck(child: string): string {
  return REFERENCES.filter((r) => r.child === child)
    .map(
      (r) => `
        -- LATERAL … LIMIT 1: a primary-key probe per distinct value, whatever the plan.
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT ${r.column} AS v FROM new_rows WHERE ${r.column} IS NOT NULL) k
                   LEFT JOIN LATERAL (SELECT true AS found FROM ${r.parent} p WHERE p.id = k.v LIMIT 1) f ON true
                   WHERE f.found IS NULL) THEN
          RAISE EXCEPTION 'insert or update on table "${child}" violates its reference to "${r.parent}" (${r.column})'
            USING ERRCODE = 'foreign_key_violation', TABLE = '${child}';
        END IF;`,
    )
    .join('');
}

/** The check that none of the statement's deleted rows (`gone`) of `parent` is still referenced. */
function parentCheck(parent: string): string {
  return REFERENCES.filter((r) => r.parent === parent)
    .map(
      (r) => `
        IF EXISTS (SELECT 1 FROM gone g WHERE EXISTS (SELECT 1 FROM ${r.child} c WHERE c.${r.column} = g.id)) THEN
          RAISE EXCEPTION 'delete on table "${parent}" violates the reference from "${r.child}" (${r.column})'
            USING ERRCODE = 'foreign_key_violation', TABLE = '${parent}';
        END IF;`,
    )
    .join('');
}

/** A trigger function running `checks` (PL/pgSQL statements). */
const checkFunction = (name: string, checks: string): string => `
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN${checks}
        RETURN NULL;
      END $$`;

/** The statements whose new rows are checked: `link_event` is append-only (its own trigger refuses updates). */
const eventsOf = (child: string): string[] => (child === 'link_event' ? ['insert'] : ['insert', 'update']);

/**
 * The references a batch chunk writes a thousand rows of under the batch lock are checked once
 * per statement instead of once per row, as BlockingKeyWithoutRecordForeignKey did for the keys.
 *
 * A foreign key checks each inserted row with its own `SELECT … FOR KEY SHARE` of the referenced
 * row (a trigger call, an index probe and a row lock). A chunk inserts ~1,000 records (each
 * referencing its organization), ~1,000 links (record, person) and ~1,000 link events (record,
 * person, previous person) in one statement; in a transaction on a 100,000-record database,
 * inserting 1,000 link events took 16-28 ms with their foreign keys and 8-12 ms without, 1,000
 * links 16-25 ms against 6-10 ms: about 30 ms of each chunk's turn under the lock. Each is now a
 * statement-level trigger over the statement's transition table (one probe per distinct value),
 * and a delete of a referenced row (organization, source record, person) is refused while it is
 * still referenced (as `NO ACTION` did). The service never deletes these rows nor changes their
 * ids (records and persons are retired); unlike a foreign key the check locks nothing, so a row
 * deleted by a concurrent transaction between the check and the commit would go unnoticed —
 * nothing deletes them.
 */
export class LinkageReferencesCheckedPerStatement1764144000000 implements MigrationInterface {
  name = 'LinkageReferencesCheckedPerStatement1764144000000';

  async up(q: QueryRunner): Promise<void> {
    for (const r of REFERENCES) await q.query(`ALTER TABLE ${r.child} DROP CONSTRAINT ${r.constraint}`);
    for (const child of tables((r) => r.child)) {
      await q.query(checkFunction(`${child}_references_exist`, childCheck(child)));
      // A trigger with a transition table serves one event only.
      for (const event of eventsOf(child)) {
        await q.query(`CREATE TRIGGER tr_${child}_references_exist_${event} AFTER ${event.toUpperCase()} ON ${child}
          REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${child}_references_exist()`);
      }
    }
    for (const parent of tables((r) => r.parent)) {
      await q.query(checkFunction(`${parent}_unreferenced`, parentCheck(parent)));
      await q.query(`CREATE TRIGGER tr_${parent}_unreferenced AFTER DELETE ON ${parent}
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION ${parent}_unreferenced()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const parent of tables((r) => r.parent)) {
      await q.query(`DROP TRIGGER tr_${parent}_unreferenced ON ${parent}`);
      await q.query(`DROP FUNCTION ${parent}_unreferenced()`);
    }
    for (const child of tables((r) => r.child)) {
      for (const event of eventsOf(child)) await q.query(`DROP TRIGGER tr_${child}_references_exist_${event} ON ${child}`);
      await q.query(`DROP FUNCTION ${child}_references_exist()`);
    }
    for (const r of REFERENCES) {
      await q.query(`ALTER TABLE ${r.child} ADD CONSTRAINT ${r.constraint} FOREIGN KEY (${r.column}) REFERENCES ${r.parent}(id)`);
    }
  }
}
