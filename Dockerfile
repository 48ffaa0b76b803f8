# The hub image used by docker-compose.yml (every role runs the same image; CONCORD_ROLES picks what it does).
# Stage `build` keeps the sources and dev dependencies: the connector simulator runs from it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS hub
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Named volumes take this folder's owner on first use, so the unprivileged user can write its SQLite files.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/hub/src/main.js"]
