# Conduit images. Targets:
#   web    (default) gunicorn serving the app, as a non-root user
#   proxy  nginx with the static files and a config for the compose upstreams
# The base images are build arguments (official images by default) so a machine without a
# registry can build from local ones: deploy/docker-smoke passes its own.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NGINX_IMAGE=nginx:1.27-bookworm

# --- front-end packages from the npm registry (never committed) -------------------------
FROM ${NODE_IMAGE} AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY deploy/vendor-assets ./
RUN ./vendor-assets node_modules vendor

# --- Python dependencies into a virtualenv ------------------------------------------------
FROM ${PYTHON_IMAGE} AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml ./
# Install the project's dependencies only: the app itself runs from /app.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m venv /venv \
 && /venv/bin/pip install -r requirements.txt \
 && /venv/bin/pip uninstall --yes pip \
 && find /venv -name __pycache__ -prune -exec rm -rf {} +

# --- the application source with its static files -----------------------------------------
FROM python-deps AS source
WORKDIR /app
COPY . .
COPY --from=assets /build/vendor static/vendor
# The message catalogs, compiled (the .po files are the repository's; .mo never is).
RUN /venv/bin/pybabel compile --directory web/translations --domain messages

# --- nginx config rendered for the compose file's app servers and events server ----------
FROM python-deps AS proxy-config
# The site's host name (SITE_URL's): nginx answers any other with 400 itself.
ARG SERVER_NAME=localhost
COPY deploy /deploy
COPY web/translations /web/translations
RUN /venv/bin/python /deploy/render_nginx.py --server-name "$SERVER_NAME" --listen 80 \
      --upstream app1:8000 --upstream app2:8000 --events-upstream events:8000 \
      --static-root /usr/share/conduit/static --runtime /tmp --log-to-stdio > /nginx.conf

FROM ${NGINX_IMAGE} AS proxy
COPY --from=source /app/static /usr/share/conduit/static
COPY --from=proxy-config /nginx.conf /etc/nginx/nginx.conf
# nginx itself, not an app server (compose checks the app servers apart): a request that
# names no host meets the server for unknown hosts, which answers /nginx-alive alone.
HEALTHCHECK --interval=10s --timeout=3s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/80 && printf 'HEAD /nginx-alive HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
CMD ["nginx", "-g", "daemon off;"]

# --- the app server ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS web
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONDUIT_ENV=production \
    PORT=8000
RUN useradd --create-home --uid 10001 conduit
COPY --from=python-deps /venv /venv
COPY --from=source /app /app
WORKDIR /app
# The code is root's and read-only to the server; only instance/ (SQLite, outbox) is its own.
RUN mkdir -p /app/instance && chown conduit:conduit /app/instance
USER conduit
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]
