# syntax=docker/dockerfile:1
# Tessera container image: `docker build -t tessera .`
# The builder installs every dependency and compiles the TypeScript to dist/; the runtime stage
# carries only production dependencies and the compiled output, and runs as an unprivileged user.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS builder
WORKDIR /src
# Dependency manifests first, so the install layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY packages/ packages/
# Without scripts, because `prepare` builds from sources not copied yet; better-sqlite3's own install
# script (its native binary) is then run explicitly.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY bin/ bin/
COPY src/ src/
COPY scripts/ scripts/
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the service user: the process cannot change its own code.
COPY --from=builder /src/package.json /src/package-lock.json ./
COPY --from=builder /src/node_modules/ node_modules/
COPY --from=builder /src/packages/ packages/
COPY --from=builder /src/bin/ bin/
COPY --from=builder /src/dist/ dist/
# The image's `node` user (uid 1000); configuration is mounted at /etc/tessera.
USER node
EXPOSE 4433 4434
# Ready = the admin API answers and the database is reachable. The image has no curl; Node's fetch does.
# Adjust the URL if serve.admin.port changes or the admin API serves TLS.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4434/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/tessera.js"]
CMD ["serve", "-c", "/etc/tessera/tessera.yml"]
