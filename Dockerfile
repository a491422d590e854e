# The application image: lighttpd with both FastCGI pools, the drain worker and panelctl.
# Packages come from scripts/install-deps, the same script `make run`, `make test` and CI use.
FROM debian:bookworm-slim

WORKDIR /app
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps serve && rm -rf /var/lib/apt/lists/*

COPY . .
RUN make clean && make all

ENV PANEL_BIND=0.0.0.0 \
    PANEL_DB=none \
    DRAIN_WORKERS=0
EXPOSE 3000 3001
# scripts/stack serves in the foreground and stops everything cleanly on SIGTERM.
CMD ["scripts/stack", "run"]
