#!/usr/bin/env bash
# First start of the PostgreSQL container: separate databases and users for Dagster's own storage
# and for the warehouse, so neither can touch the other's data.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres \
    -v dagster_password="$DAGSTER_POSTGRES_PASSWORD" \
    -v warehouse_password="$WAREHOUSE_PASSWORD" <<'SQL'
CREATE ROLE dagster LOGIN PASSWORD :'dagster_password';
CREATE DATABASE dagster OWNER dagster;
CREATE ROLE learning_platform LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE learning_platform OWNER learning_platform;
REVOKE ALL ON DATABASE dagster FROM PUBLIC;
REVOKE ALL ON DATABASE learning_platform FROM PUBLIC;
-- Analysts read the marts through this role (no login: grant it to their own login roles). The
-- warehouse's migrations create it where they may; here the warehouse user has no CREATEROLE.
CREATE ROLE reporting_reader NOLOGIN;
SQL
