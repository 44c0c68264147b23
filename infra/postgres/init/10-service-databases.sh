#!/usr/bin/env bash
# One database and one login role per service; each role owns its database, and no other role
# may connect to it. The official postgres image runs this once, when it initialises an empty
# data directory (mount this folder at /docker-entrypoint-initdb.d). It runs as well by hand
# against any server, as a superuser: PGHOST, PGPORT and PGPASSWORD as usual for psql.
#
# Each service then connects with, e.g.
#   DATABASE_URL=postgres://order_service:$ORDER_SERVICE_DB_PASSWORD@postgres:5432/orders
# and its first start creates its schema (order_service) and tables there (see docs/storage.md).
set -euo pipefail

: "${USER_SERVICE_DB_PASSWORD:?set USER_SERVICE_DB_PASSWORD}"
: "${ORDER_SERVICE_DB_PASSWORD:?set ORDER_SERVICE_DB_PASSWORD}"

psql --no-psqlrc -v ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v user_password="$USER_SERVICE_DB_PASSWORD" \
  -v order_password="$ORDER_SERVICE_DB_PASSWORD" <<'SQL'
CREATE ROLE user_service LOGIN PASSWORD :'user_password';
CREATE DATABASE users OWNER user_service;
REVOKE ALL ON DATABASE users FROM PUBLIC;

CREATE ROLE order_service LOGIN PASSWORD :'order_password';
CREATE DATABASE orders OWNER order_service;
REVOKE ALL ON DATABASE orders FROM PUBLIC;
SQL
