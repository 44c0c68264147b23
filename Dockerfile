# The one image of the mesh's three services (gateway, user-service, order-service); compose picks
# the app by command, e.g. `command: ["apps/gateway/dist/main.js"]`. See docs/stack.md#the-image.
#
# Why one shared image and not one per app: the workspace has one lockfile and every runtime
# dependency is hoisted to the root node_modules, so three images would carry the same ~all of
# node_modules three times (and build better-sqlite3 three times) to differ by a few kB of dist/.
# One image is one build, one pull, one set of layers on disk; the app is a runtime choice.
#
# The Node version has no default on purpose: .env is the one place for it, and compose passes it
# as a build arg. Without compose:
#   docker build --build-arg NODE_VERSION="$(sed -n 's/^NODE_VERSION=//p' .env)" -t observable-mesh .
ARG NODE_VERSION

# ---- toolchain: what better-sqlite3 needs to compile from source --------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# better-sqlite3 is built from its sources with the node-gyp npm ships; no prebuilt binary is
# downloaded (build_from_source), and the headers come from the node image itself (nodedir), so
# the only network an install needs is the npm registry.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    NX_DAEMON=false \
    NX_NO_CLOUD=true
WORKDIR /app
# Every workspace's manifest, so `npm ci` sees the same workspace tree the lockfile describes
# (infra/test/compose.test.ts checks that this list names every workspace).
COPY package.json package-lock.json .npmrc ./
COPY apps/gateway/package.json apps/gateway/
COPY apps/user-service/package.json apps/user-service/
COPY apps/order-service/package.json apps/order-service/
COPY libs/discovery/package.json libs/discovery/
COPY libs/resilience/package.json libs/resilience/
COPY libs/service-kit/package.json libs/service-kit/
COPY libs/storage/package.json libs/storage/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/testing/package.json libs/testing/
COPY tools/package.json tools/
COPY e2e/package.json e2e/
COPY infra/package.json infra/

# ---- build: every dependency, then the Nx build of the apps, the libs they use and the tools ----
FROM toolchain AS build
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# The tools too: compose's load-generator runs tools/dist/load/main.js (`npm run load`).
RUN npx nx run-many -t build --projects=tag:type:app,tag:type:tool --output-style=static \
  # What the runtime needs of each workspace: its manifest (workspace links, the service version
  # telemetry reports), its compiled dist/ and, for the services, their SQL migrations.
  && mkdir /out \
  && for dir in apps/* libs/* tools e2e infra; do \
       mkdir -p "/out/$dir" && cp "$dir/package.json" "/out/$dir/"; \
       if [ -d "$dir/dist" ]; then cp -R "$dir/dist" "/out/$dir/"; fi; \
       if [ -d "$dir/migrations" ]; then cp -R "$dir/migrations" "/out/$dir/"; fi; \
     done \
  && find /out -name '*.tsbuildinfo' -delete

# ---- production dependencies only (its own stage: cached on the lockfile, built in parallel) ----
FROM toolchain AS prod-deps
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the service: the code cannot be changed by the process running it.
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
# Only for the SQLite fallback (DATABASE_PATH defaults to ./data/*.db); compose uses PostgreSQL.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# API 3000 (gateway 8080), admin /metrics 9464: ARCHITECTURE.md's container ports.
EXPOSE 3000 8080 9464
# The OpenTelemetry bootstrap is preloaded before the app requires http/express/pg, exactly as the
# launcher starts services (tools/src/launcher/supervisor.ts); docs/telemetry.md#how-it-is-loaded.
ENTRYPOINT ["node", "--require", "/app/libs/telemetry/dist/register.js"]
CMD ["apps/gateway/dist/main.js"]
