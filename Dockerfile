# syntax=docker/dockerfile:1
# The Todo image: one binary, the role is the argument (backend | recurring | notifier | frontend |
# serve | migrate …). Built like the Hummingbird template's production image: a release build with
# the Swift runtime linked in statically, copied with its resource bundles onto a slim Ubuntu.
#   docker build -t todo:dev .
#   docker run --rm -p 8000:8000 todo:dev serve          (SQLite in /data)
# docs/DEPLOYMENT.md: building, pushing and pinning the digest.

# ================================
# Build image
# ================================
FROM swift:6.3-noble AS build

RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q dist-upgrade -y \
    && apt-get install -y --no-install-recommends libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first: this layer is reused until Package.swift changes.
COPY ./Package.swift ./
RUN swift package resolve

COPY ./Sources ./Sources
COPY ./Tests ./Tests

RUN swift build -c release --product todo --static-swift-stdlib -Xlinker -ljemalloc

WORKDIR /staging
RUN cp "$(swift build --package-path /build -c release --show-bin-path)/todo" ./ \
    && cp /usr/libexec/swift/linux/swift-backtrace-static ./ \
    && find -L "$(swift build --package-path /build -c release --show-bin-path)/" -regex '.*\.resources$' -exec cp -Ra {} ./ \; \
    && mkdir -p /staging/data

# ================================
# Run image
# ================================
FROM ubuntu:noble

# jemalloc (the allocator linked above), CA certificates (SMTP and PostgreSQL TLS), time zones
# (every task's due time lives in one), pg_dump/pg_restore/psql for `todo backup` / `todo restore`
# and the runbook, curl for the runbook's `kubectl exec deployment/backend -- curl …` checks.
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q dist-upgrade -y \
    && apt-get -q install -y --no-install-recommends libjemalloc2 ca-certificates tzdata postgresql-client curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --user-group --system --no-create-home --home-dir /app --uid 10001 todo

WORKDIR /app
COPY --from=build --chown=10001:10001 /staging /app
RUN mv /app/data /data

# Crash reports with symbols, printed to the log (no interactive debugger in a pod).
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static \
    PATH=/app:$PATH \
    HOST=0.0.0.0 \
    PORT=8000 \
    TODO_DATA_DIR=/data \
    LOG_FORMAT=json

USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["todo", "health"]

ENTRYPOINT ["todo"]
CMD ["serve"]
