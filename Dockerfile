# syntax=docker/dockerfile:1
# The API server as production runs it: compiled JavaScript on Node 24 LTS, production dependencies only, as a
# non-root user. Build: `docker build -t strat-coach-server .`; run it with the variables of README "Deploy to
# Railway" (PostgreSQL, Redis and Clerk); migrations are a separate step (`npm run db:migrate:prod`).

# 1. Compile the server (TypeScript -> server/dist) with the full set of dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY apps/desktop/package.json apps/desktop/
# No install scripts: nothing the server needs runs one (sharp ships prebuilt), and a production install runs none,
# as package.json's allowScripts denies them. (Electron 45 has none: its binary is fetched by install.js, run by hand.)
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY server/tsconfig.build.json server/
COPY server/src server/src
RUN npm run build:server

# 2. The server's production dependencies alone (no TypeScript, tsx, test or desktop packages).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY apps/desktop/package.json apps/desktop/
RUN npm ci --omit=dev --ignore-scripts --workspace @strat-coach/server --include-workspace-root=false \
      --no-audit --no-fund \
    && npm cache clean --force

# 3. What runs: node, the compiled server, its dependencies, the coaching text and the migrations.
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (the chart reader's worker and decoder, node's thread
# pool) an arena of its own, which keeps what it freed; two arenas in all cut the server's peak RSS under four-chart
# questions by 60-100 MB (npm run bench:memory, which runs the server with this same value).
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3001 \
    DATA_DIR=/app/data \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/server/dist ./server/dist
COPY server/package.json ./server/
COPY coaching ./coaching
COPY migrations ./migrations
# DATA_DIR holds the settlement outbox (turns whose record waits for the database): the one thing written here.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
WORKDIR /app/server
EXPOSE 3001
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/api/v1/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1's child of nothing: SIGTERM reaches the server, which finishes or hands back its streams.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
