# The Onboard API and worker image (one image, two commands: `onboard api`, `onboard worker`).
FROM python:3.11.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 onboard
WORKDIR /app

COPY pyproject.toml README.md alembic.ini onboard.py worker.py ./
COPY core ./core
COPY models ./models
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY migrations ./migrations
COPY templates ./templates
COPY playbooks ./playbooks
# Editable, so templates/ and playbooks/ are read from /app where operators can mount their own.
RUN pip install -e . && mkdir -p /app/data && chown onboard /app/data

USER onboard
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=6 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"
CMD ["onboard", "api"]
