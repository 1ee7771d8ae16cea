"""The WSGI entry point for production servers: `gunicorn civic.wsgi:app`."""
from werkzeug.middleware.proxy_fix import ProxyFix

from civic import create_app

app = create_app()
hops = app.config["CIVIC_BEHIND_PROXY"]
if hops:
    # Behind that many reverse proxies: the client is the address the farthest one saw (each adds one to
    # X-Forwarded-For), the scheme the nearest one's X-Forwarded-Proto; rate limits and HSTS go by them.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)
