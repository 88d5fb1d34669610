# GPU-ready image for composer-bot: runs `composer run` (the Discord bot, its durable queue and its
# worker pool).  Build:  docker build -t composer-bot .
# Run:    docker run --gpus all -e DISCORD_TOKEN=... -v composer-data:/data \
#                    -v /path/to/checkpoints:/checkpoints:ro composer-bot
# GPU workers are configured in a settings file (see README, "Settings"), e.g. mounted at
# /data/composer.toml with [[workers]] backend = "jukebox", devices = ["cuda:0"].
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# portaudio19-dev: tinysoundfont's wheel depends on pyaudio, which builds from source.
# SoundFonts: the workers render with the fullest installed (MuseScore General, ~1.2 GB per worker
# once loaded); the CLI with FluidR3_GM, which loads in well under a second.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        python3 python3-venv python3-dev build-essential portaudio19-dev libopus0 \
        fluid-soundfont-gm musescore-general-soundfont ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY models ./models
# torch from PyPI is the CUDA build on Linux x86-64; the jukebox extra pins transformers 4.57.6;
# the ray extra lets `ray_address` send renders to a Ray cluster.
RUN pip install --upgrade pip \
 && pip install "torch==2.13.0" \
 && pip install ".[jukebox,postgres,ray]"

RUN useradd --create-home --uid 10001 composer && mkdir -p /data && chown composer /data
USER composer
VOLUME ["/data"]
ENV COMPOSER_DATA_DIR=/data

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["composer", "run"]
