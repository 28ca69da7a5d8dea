# Harbor: one image for the web server (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml runs all three against PostgreSQL and Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HARBOR_DATA_DIR=/var/lib/harbor \
    HARBOR_STATIC_ROOT=/app/static

WORKDIR /app
COPY . .
RUN pip install . \
    && python manage.py collectstatic --no-input \
    && useradd --system --home-dir /var/lib/harbor --create-home harbor \
    && install -d -o harbor -g harbor -m 750 /var/lib/harbor-checkpoints

USER harbor
EXPOSE 8000
CMD ["gunicorn", "coordination.wsgi", "--config", "python:coordination.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
