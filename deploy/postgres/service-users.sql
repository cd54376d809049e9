-- The LOGIN user of each service, in the group role the migrations create for it (V7__service_roles.sql):
--   ssot_relay_app       -> ssot_relay        (+ REPLICATION: a role attribute, membership does not pass it on)
--   ssot_provisioner_app -> ssot_provisioner
--   ssot_projector_app   -> ssot_projector
--   ssot_reader_app      -> ssot_reader       (the reconciler and the read commands)
-- Run it as a superuser (REPLICATION can only be given by one) after `./ssot setup`, with psql 15 or newer:
--   psql -v ON_ERROR_STOP=1 -h HOST -U OWNER -d ssot -f deploy/postgres/service-users.sql
-- Passwords come from the environment, read with \getenv (never from this file or a command line):
--   RELAY_DATABASE_PASSWORD, PROVISIONER_DATABASE_PASSWORD, PROJECTOR_DATABASE_PASSWORD, READER_DATABASE_PASSWORD
-- and the names too, when RELAY_DATABASE_USER, ... are set. Idempotent: run it again to rotate a password.
-- The statements carry the password to the server: keep log_statement below 'ddl' while it runs.
\set ON_ERROR_STOP on

\getenv relay_user RELAY_DATABASE_USER
\getenv relay_password RELAY_DATABASE_PASSWORD
\getenv provisioner_user PROVISIONER_DATABASE_USER
\getenv provisioner_password PROVISIONER_DATABASE_PASSWORD
\getenv projector_user PROJECTOR_DATABASE_USER
\getenv projector_password PROJECTOR_DATABASE_PASSWORD
\getenv reader_user READER_DATABASE_USER
\getenv reader_password READER_DATABASE_PASSWORD
\if :{?relay_user}
\else
  \set relay_user ssot_relay_app
\endif
\if :{?provisioner_user}
\else
  \set provisioner_user ssot_provisioner_app
\endif
\if :{?projector_user}
\else
  \set projector_user ssot_projector_app
\endif
\if :{?reader_user}
\else
  \set reader_user ssot_reader_app
\endif

-- a user without a password could not log in: refuse, naming the variable
\if :{?relay_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'RELAY_DATABASE_PASSWORD is not set'; END $$;
\endif
\if :{?provisioner_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'PROVISIONER_DATABASE_PASSWORD is not set'; END $$;
\endif
\if :{?projector_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'PROJECTOR_DATABASE_PASSWORD is not set'; END $$;
\endif
\if :{?reader_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'READER_DATABASE_PASSWORD is not set'; END $$;
\endif

-- the group roles exist once ./ssot setup has migrated: say so rather than create users nobody granted anything
SELECT count(*) < 4 AS roles_missing FROM pg_catalog.pg_roles
 WHERE rolname IN ('ssot_relay', 'ssot_provisioner', 'ssot_projector', 'ssot_reader') \gset
\if :roles_missing
  DO $$ BEGIN RAISE EXCEPTION 'the service roles do not exist: run ./ssot setup first'; END $$;
\endif

BEGIN;
SELECT format('CREATE ROLE %I', :'relay_user') WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'relay_user') \gexec
SELECT format('CREATE ROLE %I', :'provisioner_user') WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'provisioner_user') \gexec
SELECT format('CREATE ROLE %I', :'projector_user') WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'projector_user') \gexec
SELECT format('CREATE ROLE %I', :'reader_user') WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'reader_user') \gexec
ALTER ROLE :"relay_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'relay_password';
ALTER ROLE :"provisioner_user" WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'provisioner_password';
ALTER ROLE :"projector_user" WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'projector_password';
ALTER ROLE :"reader_user" WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';
GRANT ssot_relay TO :"relay_user";
GRANT ssot_provisioner TO :"provisioner_user";
GRANT ssot_projector TO :"projector_user";
GRANT ssot_reader TO :"reader_user";
COMMIT;
\echo 'service users ready:' :relay_user :provisioner_user :projector_user :reader_user
