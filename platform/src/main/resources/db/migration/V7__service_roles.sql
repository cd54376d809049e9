-- One group role per service, each with only what its job needs (README, "Database roles"). They are NOLOGIN: no
-- password lives in a migration. A deployment creates one LOGIN user per service and grants it its role, e.g.
--   CREATE ROLE ssot_projector_app LOGIN PASSWORD '...' IN ROLE ssot_projector;
-- REPLICATION is a role attribute that membership does not pass on, so the relay's user gets it itself:
--   CREATE ROLE ssot_relay_app LOGIN REPLICATION PASSWORD '...' IN ROLE ssot_relay;
-- Only the migrating owner (./ssot setup) creates, alters or drops anything; the services only read and write rows.
--
-- Roles belong to the PostgreSQL server, not to one database: another database migrated on the same server (another
-- deployment, or a test database) created them already, possibly at this very moment, so creation is idempotent
-- and tolerates losing that race.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['ssot_relay', 'ssot_provisioner', 'ssot_projector', 'ssot_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created by a concurrent migration of another database: the same role
            END;
        END IF;
    END LOOP;
END
$$;

-- PostgreSQL before 15 lets every role create objects in schema public. Nobody but the owner may change the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ssot_relay, ssot_provisioner, ssot_projector, ssot_reader;

-- Every service checks at start that the schema is at the version it was built for (it never migrates).
GRANT SELECT ON ${flyway:table} TO ssot_relay, ssot_provisioner, ssot_projector, ssot_reader;

-- The relay (Debezium, pgoutput): reads the published tables (initial snapshot, and pgoutput checks SELECT on each
-- published table). Its user also needs REPLICATION (see above). It owns nothing: the publication is created by V2
-- as the owner, and the relay runs with publication.autocreate.mode=disabled. A table added to the publication later
-- must be granted to ssot_relay in the same migration.
GRANT SELECT ON outbox, managed_phone_numbers, org_credentials TO ssot_relay;

-- The provisioner: its saga (provisioning_requests, the inbox too), the managed numbers it records, and the outbox it
-- writes in the same transaction (insert, then delete by id: the delete's WHERE needs SELECT). Reads organisations
-- (request validation) and org_credentials (the legacy backfill looks for managed numbers without an SSOT row). Never
-- writes org_credentials.
GRANT SELECT, INSERT, UPDATE ON provisioning_requests, managed_phone_numbers TO ssot_provisioner;
GRANT SELECT, INSERT, DELETE ON outbox TO ssot_provisioner;
GRANT SELECT ON organizations, org_credentials TO ssot_provisioner;

-- The SSOT projector: the version-guarded upsert of org_credentials (INSERT ... ON CONFLICT DO UPDATE needs INSERT,
-- UPDATE and SELECT), reading organisations. Never writes managed_phone_numbers, sagas or the outbox.
GRANT SELECT, INSERT, UPDATE ON org_credentials TO ssot_projector;
GRANT SELECT ON organizations TO ssot_projector;

-- The reconciler and the read commands (check, dropdown, audit, sagas, the status page): read-only, on every table,
-- including the tables later migrations add (default privileges of the migrating owner, who creates them).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ssot_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ssot_reader;
