# The rerank-eval CLI as an image, for sharded runs on Kubernetes (docs/scale.md):
#   docker build -t rerank-eval .   then   docker run --rm rerank-eval run --help
# Built from this checkout with its locked dependencies; the image holds only what the CLI runs on.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY datasets ./datasets
COPY examples ./examples
# Not root; the response cache goes to /home/node/.cache/rerank-eval unless --cache names a folder.
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
