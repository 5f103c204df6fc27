# One image for the user code, the webserver and the daemon (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/home

RUN pip install --no-cache-dir 'uv>=0.5,<1'

WORKDIR /opt/learning_platform
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --no-dev
COPY learning_platform ./learning_platform
# The wheel lists all three; the CLI's parser reads the bench's options even without psutil.
COPY learning_platform_sandbox ./learning_platform_sandbox
COPY learning_platform_bench ./learning_platform_bench
COPY workspace.yaml ./
RUN uv sync --locked --no-dev

RUN mkdir -p "$DAGSTER_HOME"
COPY deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
