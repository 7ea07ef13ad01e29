# The image every compiled task runs in: the project's locked environment and the project.
#   make image            (builds the base first where no registry is reachable)
#   docker build --build-arg BASE_IMAGE=python:3.11-slim-bookworm -t automl:dev .
# The base must have Python 3.11 at python3 (bookworm's is); the venv is built in one stage
# and copied into a clean one, so uv, pip's caches and build tools stay out of the image.
ARG BASE_IMAGE=python:3.11-slim-bookworm
# checkov:skip=CKV_DOCKER_2:a batch task's image, run to completion by KFP; there is no server to probe
# checkov:skip=CKV_DOCKER_7:the base is a build argument; make image passes a tagged or locally built one

FROM ${BASE_IMAGE} AS build
# Extra CA certificates of the build machine's network (an intercepting proxy), which
# `make image` copies here; empty elsewhere. Only this stage, which downloads, trusts them.
COPY image/ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null 2>&1 || true
# A compiler for the lock's one C++ source distribution (pyfarmhash, through tfx-bsl).
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends g++ python3-dev >/dev/null
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_NO_CACHE=1 UV_COMPILE_BYTECODE=0 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install -q uv \
    && python3 -m venv /opt/venv
COPY requirements/ /src/requirements/
RUN /opt/uv/bin/uv pip sync --python /opt/venv/bin/python /src/requirements/stack.lock \
    && /opt/uv/bin/uv pip install --python /opt/venv/bin/python --no-deps \
       -r /src/requirements/no-deps.txt
COPY pyproject.toml README.md /src/
COPY pipeline/ /src/pipeline/
COPY components/ /src/components/
COPY search/ /src/search/
RUN /opt/uv/bin/uv pip install --python /opt/venv/bin/python --no-deps /src \
    && find /opt/venv -name __pycache__ -prune -exec rm -rf {} + \
    && rm -rf /opt/venv/lib/python3.11/site-packages/tensorflow/include

FROM ${BASE_IMAGE}
COPY --from=build /opt/venv /opt/venv
COPY schemas/ /opt/automl/schemas/
# A UID above the host's (a container's root or 1000 is someone on the node).
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin automl
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
USER 10001:10001
WORKDIR /home/automl
CMD ["automl", "--help"]
