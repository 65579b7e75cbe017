# `ta`, the Target Allocator, as a container image: docker build -t ta:0.1.0 .
# Needs BuildKit (the default builder of Docker >= 23, and buildah/podman) for RUN --mount.
# Stage 1 builds wheels for ta and all its runtime dependencies; stage 2 installs them from those wheels only
# (no compiler, no build tools, no test extras, no source tree) and runs as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Only what the wheel is built from (pyproject's readme is README.md); see .dockerignore.
COPY pyproject.toml README.md ./
COPY ta ./ta
# `pip wheel .` builds ta's wheel and collects a wheel for every runtime dependency (binary wheels where PyPI
# has them: orjson, google-re2, xxhash, aiohttp, ...) into /wheels. The [test] extra is not requested.
RUN pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="ta" \
      org.opencontainers.image.description="Drop-in Target Allocator for OpenTelemetry collectors" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# Install from the build stage's wheels without copying them into a layer. pip byte-compiles at install time
# (--compile), so the read-only root filesystem in Kubernetes costs no start-up time.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels --compile ta \
    && groupadd --system --gid 10001 ta \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ta
# A numeric USER, so Kubernetes can verify runAsNonRoot without a runAsUser in the pod spec. HOME has no
# .kube/config, so `ta` uses in-cluster credentials, as upstream's image does.
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
# `ta` alone behaves as `ta run`, so the operator's generated args (e.g. `--zap-log-level=debug`) replace CMD
# and still work; the default reads /conf/targetallocator.yaml, where the operator mounts its ConfigMap.
ENTRYPOINT ["ta"]
CMD ["run"]
