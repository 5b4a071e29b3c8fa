# syntax=docker/dockerfile:1

# Build stage: turn the project into a wheel.
FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir build
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m build --wheel --outdir /dist

# Runtime stage: the wheel and its dependencies only, run by an unprivileged user.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SERVER_PORT=8080
COPY --from=build /dist/*.whl /tmp/wheels/
RUN wheel="$(ls /tmp/wheels/*.whl)" \
    && pip install "${wheel}" \
    && rm -rf /tmp/wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin insider
USER insider
WORKDIR /home/insider
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('SERVER_PORT', '8080'), timeout=4)"
CMD ["insider", "serve"]
