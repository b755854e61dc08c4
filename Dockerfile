# syntax=docker/dockerfile:1
# Taskwire: one image with both binaries. `docker compose up --build` uses it; by hand:
#   docker build -t taskwire .
#   docker run --rm taskwire gateway --help
#   docker run --rm taskwire worker --help

FROM rust:1.95-bookworm AS builder
WORKDIR /src
# sqlx macros read the committed .sqlx/ query data (if any) instead of a live database.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never
COPY . .
# Cache mounts keep the crates.io downloads and the target dir between builds; the binaries are
# copied out of the cached target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin gateway --bin worker \
    && mkdir -p /out \
    && cp target/release/gateway target/release/worker /out/

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 taskwire \
    && useradd --system --uid 10001 --gid taskwire --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin taskwire
COPY --from=builder /out/gateway /out/worker /usr/local/bin/
WORKDIR /app
USER taskwire:taskwire
ENV GATEWAY_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080
# No ENTRYPOINT: the command is the binary, `gateway` (default) or `worker`.
CMD ["gateway"]
