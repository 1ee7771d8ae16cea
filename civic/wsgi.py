"""The WSGI entry point for production servers: `gunicorn civic.wsgi:app`."""
from werkzeug.middleware.proxy_fix import ProxyFix

from civic import create_app

app = create_app()
if app.config.get("CIVIC_BEHIND_PROXY"):
    # Behind one reverse proxy: trust its X-Forwarded-For/-Proto so rate limits and HSTS see the real client.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
