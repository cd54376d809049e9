-- The schema registry's own database and LOGIN user: Apicurio Registry keeps every subject, schema id and
-- compatibility setting there (the records on the topics refer to those ids, so it must be persistent) and creates its
-- tables itself on its first start. It owns that database and nothing else: it cannot read the pipeline's `ssot`
-- database (CONNECT is revoked from PUBLIC on its own database, and it is granted nothing elsewhere).
-- Run it as a superuser (or a role with CREATEROLE and CREATEDB), with psql 15 or newer:
--   psql -v ON_ERROR_STOP=1 -h HOST -U OWNER -d postgres -f deploy/postgres/registry-database.sql
-- The password comes from the environment, read with \getenv (never from this file or a command line):
--   REGISTRY_DATABASE_PASSWORD
-- and the names too, when REGISTRY_DATABASE_USER / REGISTRY_DATABASE_NAME are set (default apicurio_registry for both).
-- Idempotent: run it again to rotate the password. The statements carry the password to the server: keep
-- log_statement below 'ddl' while it runs.
\set ON_ERROR_STOP on

\getenv registry_user REGISTRY_DATABASE_USER
\getenv registry_password REGISTRY_DATABASE_PASSWORD
\getenv registry_database REGISTRY_DATABASE_NAME
\if :{?registry_user}
\else
  \set registry_user apicurio_registry
\endif
\if :{?registry_database}
\else
  \set registry_database apicurio_registry
\endif

-- a user without a password could not log in: refuse, naming the variable
\if :{?registry_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'REGISTRY_DATABASE_PASSWORD is not set'; END $$;
\endif

SELECT format('CREATE ROLE %I', :'registry_user') WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'registry_user') \gexec
ALTER ROLE :"registry_user" WITH LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'registry_password';
-- CREATE DATABASE cannot run in a transaction block: \gexec sends it on its own
SELECT format('CREATE DATABASE %I OWNER %I', :'registry_database', :'registry_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = :'registry_database') \gexec
ALTER DATABASE :"registry_database" OWNER TO :"registry_user";
REVOKE ALL ON DATABASE :"registry_database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"registry_database" TO :"registry_user";
\echo 'schema registry database ready:' :registry_database 'owned by' :registry_user
