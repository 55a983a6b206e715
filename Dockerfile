# syntax=docker/dockerfile:1
# orderdesk's container image: `orderdesk serve` on port 8000, as a user other than root.
#
# No container engine runs where this project is built and tested, so the image installs
# exactly the way `make install` does (the Makefile's $(BIN)/orderdesk recipe), the one
# difference being the lock: requirements/runtime.txt, the runtime's pins alone (the
# dev lock is compiled against it, so both hold the same versions and hashes). Change
# one recipe, change the other: tests/test_packaging.py fails while they differ.
#
#   docker build -t orderdesk .
#   docker run -p 8000:8000 -e ORDERDESK_DATABASE_URL=postgresql://u:p@host/db orderdesk
#
# compose.yaml runs it beside PostgreSQL and Redis, with the webhook worker.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
# The same as the Makefile's PIP_VERSION and RUNTIME_LOCK.
ARG PIP_VERSION=26.3
ARG RUNTIME_LOCK=requirements/runtime.txt
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN python3.11 -m venv .venv
RUN .venv/bin/pip install --quiet pip==${PIP_VERSION}
# The dependencies first, so that a change to the code alone keeps this layer.
COPY ${RUNTIME_LOCK} ${RUNTIME_LOCK}
RUN .venv/bin/pip install --quiet --require-hashes -r ${RUNTIME_LOCK}
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN .venv/bin/pip install --quiet --no-deps -e .

FROM ${PYTHON_IMAGE}
# Settings are read from ORDERDESK_* variables (src/orderdesk/config.py); these are the
# image's defaults, compose.yaml and `docker run -e` set the rest. Without a
# PostgreSQL URL the server keeps a SQLite file in the /data volume.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORDERDESK_DATABASE_URL=sqlite:////data/orderdesk.db
RUN groupadd --system --gid 10001 orderdesk \
    && useradd --system --uid 10001 --gid orderdesk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin orderdesk \
    && install -d -o orderdesk -g orderdesk /data
# The virtual environment holds absolute paths (/app/.venv, the editable /app/src):
# it stays where it was made. Root owns the code; the server cannot change it.
COPY --from=build /app /app
WORKDIR /data
VOLUME /data
USER 10001:10001
EXPOSE 8000
# /healthz answers without touching the database (/readyz asks it); slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["orderdesk"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
