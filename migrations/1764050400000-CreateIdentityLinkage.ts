import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Source records, their blocking keys and name frequencies; persons, the current link of
 * each record, the append-only link history, review tasks and no-match assertions.
 */
export class CreateIdentityLinkage1764050400000 implements MigrationInterface {
  name = 'CreateIdentityLinkage1764050400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE person (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'retired')),
        merged_into uuid REFERENCES person(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_person_merged_into CHECK ((status = 'merged') = (merged_into IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE source_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id text NOT NULL REFERENCES organization(id),
        local_id text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        demographics jsonb NOT NULL,
        normalized jsonb NOT NULL,
        content_hash text NOT NULL,
        last_decision jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        CONSTRAINT uq_source_record_local_id UNIQUE (organization_id, local_id)
      )`);
    await q.query(`
      CREATE TABLE blocking_key (
        key text NOT NULL,
        record_id uuid NOT NULL REFERENCES source_record(id),
        PRIMARY KEY (key, record_id)
      )`);
    await q.query(`CREATE INDEX ix_blocking_key_record ON blocking_key (record_id)`);
    await q.query(`
      CREATE TABLE term_frequency (
        field text NOT NULL,
        value text NOT NULL,
        n integer NOT NULL CHECK (n >= 0),
        PRIMARY KEY (field, value)
      )`);
    // One row per record: invariant 1 (each record is linked to exactly one person) is the
    // primary key; that the person is active is kept by the linking transaction and tested.
    await q.query(`
      CREATE TABLE record_link (
        record_id uuid PRIMARY KEY REFERENCES source_record(id),
        person_id uuid NOT NULL REFERENCES person(id),
        method text NOT NULL CHECK (method IN ('auto', 'manual', 'identifier')),
        grade text CHECK (grade IN ('certain', 'probable', 'possible', 'certainly-not')),
        score double precision,
        probability double precision,
        reason text NOT NULL,
        flags text[] NOT NULL DEFAULT '{}',
        rule_set_id text NOT NULL,
        rule_set_version text NOT NULL,
        rule_set_hash text NOT NULL,
        linked_by text,
        linked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_record_link_person ON record_link (person_id)`);
    await q.query(`
      CREATE TABLE link_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        record_id uuid NOT NULL REFERENCES source_record(id),
        person_id uuid REFERENCES person(id),
        previous_person_id uuid REFERENCES person(id),
        event text NOT NULL,
        method text NOT NULL,
        grade text,
        score double precision,
        probability double precision,
        contributions jsonb,
        prior_weight double precision,
        reason text NOT NULL,
        rule_set_id text NOT NULL,
        rule_set_version text NOT NULL,
        rule_set_hash text NOT NULL,
        actor_client_id text,
        request_id text
      )`);
    await q.query(`CREATE INDEX ix_link_event_record ON link_event (record_id, id)`);
    await q.query(`CREATE INDEX ix_link_event_person ON link_event (person_id, id)`);
    await q.query(`CREATE INDEX ix_link_event_previous_person ON link_event (previous_person_id, id) WHERE previous_person_id IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION link_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'link_event is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_link_event_append_only BEFORE UPDATE OR DELETE ON link_event
      FOR EACH ROW EXECUTE FUNCTION link_event_append_only()`);
    await q.query(`
      CREATE TABLE review_task (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
        record_id uuid NOT NULL REFERENCES source_record(id),
        candidate_person_id uuid NOT NULL REFERENCES person(id),
        candidate_record_id uuid NOT NULL REFERENCES source_record(id),
        score double precision NOT NULL,
        probability double precision NOT NULL,
        grade text NOT NULL,
        prior_weight double precision NOT NULL,
        contributions jsonb NOT NULL,
        reason text NOT NULL,
        rule_set_id text NOT NULL,
        rule_set_version text NOT NULL,
        rule_set_hash text NOT NULL,
        resolution text,
        resolution_note text,
        resolved_by text,
        resolved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_review_task_open_pair ON review_task (record_id, candidate_person_id) WHERE status = 'open'`);
    await q.query(`CREATE INDEX ix_review_task_open ON review_task (probability DESC, created_at) WHERE status = 'open'`);
    await q.query(`
      CREATE TABLE no_match_assertion (
        record_a uuid NOT NULL REFERENCES source_record(id),
        record_b uuid NOT NULL REFERENCES source_record(id),
        created_by text,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (record_a, record_b),
        CONSTRAINT ck_no_match_ordered CHECK (record_a < record_b)
      )`);
    await q.query(`CREATE INDEX ix_no_match_b ON no_match_assertion (record_b)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE no_match_assertion`);
    await q.query(`DROP TABLE review_task`);
    await q.query(`DROP TABLE link_event`);
    await q.query(`DROP FUNCTION link_event_append_only()`);
    await q.query(`DROP TABLE record_link`);
    await q.query(`DROP TABLE term_frequency`);
    await q.query(`DROP TABLE blocking_key`);
    await q.query(`DROP TABLE source_record`);
    await q.query(`DROP TABLE person`);
  }
}
