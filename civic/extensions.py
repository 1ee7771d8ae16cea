"""Every Flask extension object lives here, unbound; create_app() binds them."""
import hashlib
import hmac

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from civic.database import db

__all__ = ["db", "migrate", "login_manager", "csrf", "babel", "limiter"]

migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage is chosen in create_app() from CIVIC_REDIS_URL (the database when absent, civic/core/ratelimit.py).
# When Redis or the database stops answering, limits go on in each process's memory (Flask-Limiter logs a
# warning, and goes back to the store when it answers); and a limiter error after the view committed (the
# rate-limit headers read the store) never turns a stored write into a 500: swallowed and logged.


def client_key() -> str:
    """Every limit's key unless it names its own: a keyed hash of the client's address (as ProxyFix sets it
    behind a proxy), so the limiter's storage, Redis or the database, never holds an IP address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"client:{get_remote_address()}".encode(), hashlib.sha256).hexdigest()[:32]


limiter = Limiter(key_func=client_key, default_limits=[], in_memory_fallback_enabled=True,
                  swallow_errors=True)
