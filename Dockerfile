# syntax=docker/dockerfile:1
# orgraph in a container: built with the official Rust image, run on Debian slim as a non-root
# user. `docker build -t orgraph .`; `--build-arg FEATURES=otlp` adds the OTLP trace exporter.
# See README, "Operating orgraph" (and docker-compose.yml for PostgreSQL beside it).

FROM rust:1.94-slim-bookworm AS builder
ARG FEATURES=""
WORKDIR /src
COPY . .
# The registry and the target folder are cache mounts: a rebuild compiles only what changed.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin orgraph --features "${FEATURES}" \
    && cp target/release/orgraph /usr/local/bin/orgraph

FROM debian:bookworm-slim AS runtime
# SQLite is compiled in and PostgreSQL is spoken without TLS libraries: the binary needs libc
# alone. ca-certificates for an OTLP collector or a database behind TLS-terminating proxies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/orgraph --create-home orgraph
COPY --from=builder /usr/local/bin/orgraph /usr/local/bin/orgraph
USER orgraph
# The working folder holds ./data (the SQLite database and development secret when
# DATABASE_URL is not set): writable by the user, a volume so that it outlives the container.
WORKDIR /var/lib/orgraph
VOLUME ["/var/lib/orgraph/data"]
ENV ORGRAPH_LISTEN=0.0.0.0:8000 \
    ORGRAPH_LOG_FORMAT=json
EXPOSE 8000
# GET /healthz answers `ok` while the process serves. The image has no curl: bash's /dev/tcp
# sends the request (the port is ORGRAPH_LISTEN's).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ORGRAPH_LISTEN##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker stop) finishes the requests and the job run in flight, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["orgraph"]
CMD ["serve"]
