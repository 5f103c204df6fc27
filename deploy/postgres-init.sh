#!/usr/bin/env bash
# First start of the PostgreSQL container: separate databases and users for Dagster's own storage
# and for the warehouse, so neither can touch the other's data; and the warehouse's roles
# (learning_platform/lib/warehouse/roles.py), which its migrations may not create themselves:
# - learning_platform_owner (no login) owns the database, its schemas and the migrations' tables;
# - learning_platform_migrator logs in to migrate (`learning-platform db upgrade`, the compose
#   `migrate` service) and acts as the owner; it is a member of the loader to hand dbt's tables
#   over to it;
# - learning_platform_loader logs in to run every asset: rows, no DDL (dbt's schemas aside);
# - reporting_reader (no login) is what analysts' logins are members of: read-only sessions that
#   cannot hold a lock for long.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres \
    -v dagster_password="$DAGSTER_POSTGRES_PASSWORD" \
    -v migrator_password="$WAREHOUSE_MIGRATOR_PASSWORD" \
    -v loader_password="$WAREHOUSE_LOADER_PASSWORD" <<'SQL'
CREATE ROLE dagster LOGIN PASSWORD :'dagster_password';
CREATE DATABASE dagster OWNER dagster;
REVOKE ALL ON DATABASE dagster FROM PUBLIC;

CREATE ROLE learning_platform_owner NOLOGIN;
CREATE ROLE learning_platform_loader LOGIN PASSWORD :'loader_password';
CREATE ROLE learning_platform_migrator LOGIN PASSWORD :'migrator_password'
    IN ROLE learning_platform_owner, learning_platform_loader;
CREATE ROLE reporting_reader NOLOGIN;
CREATE DATABASE learning_platform OWNER learning_platform_owner;
REVOKE ALL ON DATABASE learning_platform FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE learning_platform TO learning_platform_loader;
GRANT CONNECT ON DATABASE learning_platform TO reporting_reader, learning_platform_migrator;
ALTER ROLE reporting_reader IN DATABASE learning_platform SET default_transaction_read_only = on;
ALTER ROLE reporting_reader IN DATABASE learning_platform SET statement_timeout = '5min';
ALTER ROLE reporting_reader IN DATABASE learning_platform SET idle_in_transaction_session_timeout = '1min';
\connect learning_platform
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
