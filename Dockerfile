# syntax=docker/dockerfile:1
# Conduit images. Targets:
#   web    (default) gunicorn serving the app, as a non-root user
#   proxy  nginx with the static files and a config for the compose upstreams

# --- front-end packages from the npm registry (never committed) -------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- Python dependencies into a virtualenv ------------------------------------------------
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml ./
# Install the project's dependencies only: the app itself runs from /app.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m venv /venv \
 && /venv/bin/pip install -r requirements.txt

# --- the application source with its static files -----------------------------------------
FROM python:3.11-slim-bookworm AS source
WORKDIR /app
COPY . .
COPY --from=assets /build/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
COPY --from=assets /build/node_modules/swagger-ui-dist/swagger-ui-bundle.js /build/node_modules/swagger-ui-dist/swagger-ui.css static/vendor/swagger-ui/

# --- nginx config rendered for the compose file's two app servers ------------------------
FROM python-deps AS proxy-config
COPY deploy /deploy
RUN /venv/bin/python /deploy/render_nginx.py --listen 80 \
      --upstream app1:8000 --upstream app2:8000 \
      --static-root /usr/share/conduit/static --runtime /tmp/nginx > /nginx.conf

FROM nginx:1.27-bookworm AS proxy
COPY --from=source /app/static /usr/share/conduit/static
COPY --from=proxy-config /nginx.conf /etc/nginx/nginx.conf
RUN mkdir -p /tmp/nginx
HEALTHCHECK --interval=30s --timeout=3s CMD ["sh", "-c", "wget -qO- http://127.0.0.1/healthz >/dev/null || exit 1"]

# --- the app server ---------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS web
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONDUIT_ENV=production \
    PORT=8000
RUN useradd --create-home --uid 10001 conduit
COPY --from=python-deps /venv /venv
COPY --from=source --chown=conduit:conduit /app /app
WORKDIR /app
USER conduit
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]
