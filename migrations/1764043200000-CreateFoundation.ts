import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations, endpoints, API clients, token signing keys and the append-only audit log. */
export class CreateFoundation1764043200000 implements MigrationInterface {
  name = 'CreateFoundation1764043200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organization (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        assigning_authority text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_organization_assigning_authority UNIQUE (assigning_authority)
      )`);
    await q.query(`
      CREATE TABLE endpoint (
        organization_id text NOT NULL REFERENCES organization(id),
        id text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        connection_type text NOT NULL,
        address text NOT NULL,
        payload_types text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'suspended', 'error', 'off', 'entered-in-error', 'test')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, id)
      )`);
    await q.query(`
      CREATE TABLE api_client (
        id text PRIMARY KEY,
        name text NOT NULL,
        organization_id text REFERENCES organization(id),
        scopes text[] NOT NULL CHECK (scopes <@ ARRAY['admin', 'feed', 'query', 'steward']::text[] AND cardinality(scopes) > 0),
        secret_hash text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- A feed client writes its own organization's records only, so it must have one.
        CONSTRAINT ck_api_client_feed_has_organization CHECK (NOT ('feed' = ANY (scopes)) OR organization_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX ix_api_client_organization ON api_client (organization_id)`);
    await q.query(`
      CREATE TABLE auth_signing_key (
        id text PRIMARY KEY,
        secret text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_auth_signing_key_active ON auth_signing_key (active) WHERE active`);
    await q.query(`
      CREATE TABLE audit_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        request_id text,
        actor_client_id text,
        actor_organization_id text,
        action text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
        purpose text,
        target_type text,
        target_ids text[] NOT NULL DEFAULT '{}',
        person_ids text[] NOT NULL DEFAULT '{}',
        result_count integer,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX ix_audit_event_occurred ON audit_event (occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_event_client ON audit_event (actor_client_id, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_event_action ON audit_event (action, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_event_person ON audit_event USING gin (person_ids)`);
    // Append-only: the database itself refuses to change or delete an audit event.
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP FUNCTION audit_event_append_only()`);
    await q.query(`DROP TABLE auth_signing_key`);
    await q.query(`DROP TABLE api_client`);
    await q.query(`DROP TABLE endpoint`);
    await q.query(`DROP TABLE organization`);
  }
}
