# The application image: lighttpd with both FastCGI pools, the drain worker and panelctl, run as
# an unprivileged user. Two stages: the programs are compiled in the first, and the image keeps
# only what runs them (no compiler, no headers). Packages come from scripts/install-deps, the
# script `make run`, `make test` and CI use. docker-compose.yml says how the stack runs it.

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps build && rm -rf /var/lib/apt/lists/*
# Only what the programs are built from, so that a change elsewhere reuses this layer.
COPY Makefile ./
COPY common common
COPY fcgi fcgi
COPY panelctl panelctl
RUN make -j"$(nproc)" all

FROM debian:bookworm-slim
WORKDIR /app
COPY scripts/install-deps scripts/install-deps
# install-deps also creates the unprivileged user panel-app (as it does for make run as root).
RUN scripts/install-deps image && rm -rf /var/lib/apt/lists/* && \
    install -d -o panel-app -g panel-app -m 700 /var/lib/panel
COPY scripts/stack scripts/state.sh scripts/pools.sh scripts/supervise scripts/
COPY lighttpd lighttpd
COPY migrations migrations
COPY seeds seeds
COPY docs/project-api.yaml docs/aggregator-api.yaml docs/
COPY --from=build /src/bin bin

# Serves on every interface of the container (compose publishes the ports); Postgres and the
# migrations run in their own containers, the drain in its own; every log goes to stderr.
ENV PANEL_BIND=0.0.0.0 \
    PANEL_DB=none \
    DRAIN_WORKERS=0 \
    PANEL_LOGS=stdio \
    PANEL_STATE_DIR=/var/lib/panel
USER panel-app
EXPOSE 3000 3001
# scripts/stack serves in the foreground, stops everything cleanly on SIGTERM, and exits 1 when
# lighttpd dies or its pools stop answering, for the restart policy to start the container again.
CMD ["scripts/stack", "run"]
