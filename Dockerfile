# Multi-stage image for revocable-jwt-api.
#   docker build -t revocable-jwt-api .
#   docker run --init -e JWT_SECRET="$(openssl rand -base64 48)" -e METRICS_TOKEN="$(openssl rand -hex 32)" -e REDIS_URL=redis://host:6379 \
#     -e DATABASE_URL=postgres://app:secret@host:5432/app -p 3000:3000 revocable-jwt-api
# Debian (glibc), not alpine: argon2 loads the glibc linux-x64/arm64 prebuilt binary shipped in its npm package,
# so no compiler toolchain is needed in any stage.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: full install, compile, then drop devDependencies --------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first so the dependency layer stays cached until package*.json changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root: the unprivileged user can read the app but not rewrite it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Nest's shutdown hooks close the server and the Redis connection on SIGTERM. Run under an init (compose
# `init: true`, or `docker run --init`): PID 1 gets no default signal handling, so node should not be PID 1.
STOPSIGNAL SIGTERM
# node directly, not `npm start`: npm would sit between the signal and the app.
CMD ["node", "dist/main.js"]
