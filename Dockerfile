# alertlens in a container: the binary needs glibc (DuckDB is linked in through cgo), so
# both stages are Debian rather than Alpine or distroless-static.
FROM golang:1.26-bookworm AS build
WORKDIR /src
# The module download is its own layer, so a source change does not fetch modules again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# nomsgpack: gin's msgpack binding is not used, and leaving it out keeps its codec out.
RUN CGO_ENABLED=1 go build -tags nomsgpack -trimpath -o /alertlens ./cmd/alertlens

FROM debian:bookworm-slim
# ca-certificates for the HTTPS APIs of PagerDuty and Opsgenie; curl for HEALTHCHECK. The
# libstdc++6 and libgcc-s1 that the DuckDB-linked binary needs come with the base (apt
# needs them too).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid, so that a volume or bind mount can be chowned to it from outside. /data
# is chowned before VOLUME: Docker copies its owner into a new named volume, while a
# change made after VOLUME would be thrown away.
RUN groupadd --system --gid 10001 alertlens \
    && useradd --system --uid 10001 --gid alertlens --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin alertlens \
    && mkdir -p /data \
    && chown alertlens:alertlens /data
COPY --from=build /alertlens /usr/local/bin/alertlens
USER alertlens
WORKDIR /data
VOLUME /data
ENV ALERTLENS_DB=/data/alertlens.duckdb
EXPOSE 8080
# The first start builds the models before it listens, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["alertlens"]
# 0.0.0.0: inside the container the loopback is not reachable through a published port.
CMD ["serve", "--addr", "0.0.0.0:8080"]
