# Fieldnotes: one image for web, worker and beat (the command picks the process).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN groupadd --system fieldnotes \
    && useradd --system --gid fieldnotes --home-dir /app --no-create-home --shell /usr/sbin/nologin fieldnotes

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
# pyproject.toml names README.md as the readme, so the build needs it.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected at build time, so every container serves the same
# hashed files. The settings demand these variables; the values here exist only
# for this step and are not kept in the image's environment. The memory broker
# keeps the settings from creating the filesystem broker's folders.
RUN SECRET_KEY=build-time-only-collectstatic-key-not-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=localhost \
    SITE_URL=http://localhost:8000 \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput \
    && install -d -o fieldnotes -g fieldnotes /app/var

# The code stays owned by root; the app user can write only var/ (beat's schedule file).
USER fieldnotes

EXPOSE 8000

# The Procfile's web command.
CMD ["sh", "-c", "exec gunicorn config.wsgi --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
