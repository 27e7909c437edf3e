# backprop-viz web app for a classroom server.
#   docker build -t backprop-viz .
#   docker run -p 8000:8000 -v backprop-viz-data:/data backprop-viz
# compose.yaml does the same with a restart policy.
#
# tests/packaging/test_dockerfile.py runs the builder's RUN commands, the ENV,
# the CMD and the HEALTHCHECK of this file outside Docker and checks /healthz.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: install the project and its dependencies into a virtual
# environment. Every dependency ships binary wheels, so no compiler is needed.
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /src

# Final stage: the same base image, the virtual environment and a non-root
# user. No source tree, no build tools, and nothing is downloaded at run time.
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BACKPROP_VIZ_DATA_DIR=/data

RUN groupadd --system --gid 10001 backprop \
    && useradd --system --no-log-init --uid 10001 --gid backprop \
        --home-dir /data --shell /usr/sbin/nologin backprop \
    && mkdir /data \
    && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

# Declared after the chown, so a new named volume starts out owned by the user.
VOLUME /data
USER 10001:10001
WORKDIR /data
EXPOSE 8000

# The slim image has no curl, so Python's urllib requests /healthz. urlopen
# raises on a non-2xx status or a timeout, and the exception exits non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["backprop-viz", "serve", "--host", "0.0.0.0", "--port", "8000"]
