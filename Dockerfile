# One image for the user code server, the webserver, the daemon and every run: docker-compose.yml
# picks each command, and on Kubernetes it is the user deployment and its runs' image.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/home

RUN pip install --no-cache-dir 'uv>=0.5,<1'

# Every deployment's libraries, from uv.lock: DockerRunLauncher (compose), K8sRunLauncher (the Helm
# chart), s3fs and the S3 compute log manager (object storage).
ARG EXTRAS="--extra docker --extra kubernetes --extra s3"

WORKDIR /opt/learning_platform
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --no-dev $EXTRAS
COPY learning_platform ./learning_platform
# The wheel lists all three; the CLI's parser reads the bench's options even without psutil.
COPY learning_platform_sandbox ./learning_platform_sandbox
COPY learning_platform_bench ./learning_platform_bench
COPY workspace.yaml ./
RUN uv sync --locked --no-dev $EXTRAS

# The reporting layer's dbt project, prepared at build time: its seed (from lib/vocabulary.py) and
# its manifest, which the definitions are built from. Its target folder stays writable by the
# runtime user (dbt's partial parse and run artifacts).
COPY learning_platform_dbt ./learning_platform_dbt
RUN python -c "from learning_platform.defs.reporting.dbt_project import prepare; prepare()"

# Nothing runs as root. A numeric user, so Kubernetes can check runAsNonRoot; it owns the state
# folder, which a new Docker volume mounted there inherits.
RUN groupadd --system --gid 10001 learning_platform \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /var/lib/learning_platform --shell /usr/sbin/nologin learning_platform \
    && mkdir -p "$DAGSTER_HOME" /var/lib/learning_platform \
    && chown 10001:10001 "$DAGSTER_HOME" /var/lib/learning_platform \
    && chown -R 10001:10001 /opt/learning_platform/learning_platform_dbt
COPY deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
USER 10001:10001
