# cco as a team service: `docker build -t cco .` then see compose.yaml or deploy/kubernetes/.
# Stage 1 builds a virtualenv with cco and the PostgreSQL driver; stage 2 copies only that venv onto a slim
# base and runs it as an unprivileged user. Config: CCO_* environment variables and a directory mounted at
# /config (settings.json, model-routing.json, model-pricing.json; missing files fall back to the shipped ones).
# Data (the SQLite file when no PostgreSQL URL is given, the persistent cache) lives in the /data volume.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY cco_tui ./cco_tui
COPY config ./config
RUN python -m venv /opt/cco && /opt/cco/bin/pip install ".[postgres]"

FROM python:3.12-slim
RUN groupadd --system --gid 10001 cco \
 && useradd --system --uid 10001 --gid cco --home-dir /data --no-create-home --shell /usr/sbin/nologin cco \
 && mkdir -p /data /config \
 && chown cco:cco /data
COPY --from=build /opt/cco /opt/cco
ENV PATH=/opt/cco/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/data \
    XDG_DATA_HOME=/data \
    XDG_CONFIG_HOME=/data/.config \
    XDG_STATE_HOME=/data/.state \
    CCO_CONFIG_DIR=/config \
    CCO_PORT=8000
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('CCO_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["cco"]
CMD ["--headless", "--host", "0.0.0.0", "--allow-remote"]
