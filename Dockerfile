# pipeserve container image. The install steps are the ones tests/packaging/test_install.py
# runs on the build machine: build the wheel from the source tree, install it with the
# pinned constraints into a fresh virtual environment, start `pipeserve` in an empty folder
# (it serves the bundled default config).
#
#   docker build -t pipeserve .
#   docker run --rm -p 9000:9000 -p 8000:8000 pipeserve
#   docker run --rm -p 9000:9000 -v $PWD/models:/models pipeserve --config_path /models/config.json

FROM python:3.11-slim AS base
# opencv-contrib-python (a mediapipe dependency) loads libGL and glib when mediapipe is
# imported: by the build (it reads mediapipe's proto descriptors) and by the server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

FROM base AS wheel
WORKDIR /src
COPY . .
RUN python -m pip wheel --no-deps -w /dist .

FROM base
RUN useradd --create-home --uid 10001 pipeserve
COPY --from=wheel /dist /dist
COPY constraints.txt /dist/constraints.txt
RUN python -m venv /opt/pipeserve \
    && /opt/pipeserve/bin/pip install --no-cache-dir -c /dist/constraints.txt /dist/pipeserve-*.whl \
    && rm -rf /dist
USER pipeserve
WORKDIR /home/pipeserve
ENV PATH=/opt/pipeserve/bin:$PATH \
    PIPESERVE_PORT=9000 \
    PIPESERVE_REST_PORT=8000 \
    PIPESERVE_GRPC_BIND_ADDRESS=0.0.0.0 \
    PIPESERVE_REST_BIND_ADDRESS=0.0.0.0
EXPOSE 9000 8000
# Ready = every configured graph and model loaded and not draining (503 otherwise).
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v2/health/ready', timeout=2)"]
ENTRYPOINT ["pipeserve"]
