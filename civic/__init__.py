"""Civic: public consultations for municipalities."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from civic import cli, database, translate
from civic import config as civic_config
from civic.accounts import auth
from civic.accounts import views as accounts_views
from civic.admin import views as admin_views
from civic.core import errors, health, i18n, logs, metrics, outages, pagecache, ratelimit, slots, web
from civic.core import features as feature_registry
from civic.core import sessions as cookie_sessions
from civic.core import views as core_views
from civic.extensions import babel, csrf, db, limiter, login_manager, migrate
from civic.features import FEATURES
from civic.identity import init_app as init_identity
from civic.manage import views as manage_views
from civic.models import PLATFORM_MODELS  # noqa: F401  (the platform's tables, before anything uses the metadata)
from civic.outbox import monitoring as outbox_monitoring
from civic.outbox import views as outbox_views

HERE = os.path.dirname(os.path.abspath(__file__))


def create_app(test_config: dict | None = None, features: list | None = None) -> Flask:
    """Build the application: defaults, environment, instance/config.py, then the test mapping. `features`
    replaces the list of civic/features.py (tests build a site with fewer features)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=civic_config.instance_path(),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(civic_config.Defaults)
    app.config.update(civic_config.from_environment(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    civic_config.settle(app.config)
    ratelimit.configure(app.config)

    register_extensions(app)
    register_blueprints(app, FEATURES if features is None else features)
    register_errorhandlers(app)
    register_commands(app)
    register_operations(app)
    return app


def register_extensions(app: Flask) -> None:
    app.session_interface = cookie_sessions.KeptCookieSessions()
    db.init_app(app)
    database.init_app(app)  # reads outside a transaction on PostgreSQL (civic.database.reads_alone)
    migrate.init_app(app, db, directory=os.path.join(HERE, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.after_request(errors.settle_retry_after)  # before the limiter's hook, so it runs after it
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=";".join(i18n.translation_directories()),
    )


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in every route stops at the largest id the databases store, so /meetings/99999999999 is a
    404 instead of a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_blueprints(app: Flask, features: list) -> None:
    """The platform's own pages, then every feature's, then what every request goes through."""
    app.url_map.converters["int"] = DatabaseIntConverter
    for blueprint in (core_views.bp, accounts_views.bp, manage_views.bp, admin_views.bp, outbox_views.bp):
        app.register_blueprint(blueprint)
    init_identity(app)  # SPID and CIE sign-in (civic/identity), and its `spid` commands
    feature_registry.init_app(app, features)
    web.init_app(app)
    auth.init_app(app)  # after web: its guard must run before every other hook
    pagecache.init_app(app)
    slots.init_app(app)
    ratelimit.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_operations(app: Flask) -> None:
    """What operators see: readiness, metrics and logs (civic/core/health.py, metrics.py, logs.py). Last, so
    that their hooks run first and time the whole request."""
    outages.init_app(app)
    health.init_app(app, checks=[("outbox", outbox_monitoring.backlog_check)])
    metrics.init_app(app, platform=outbox_monitoring.METRICS)
    logs.init_app(app)


def register_commands(app: Flask) -> None:
    cli.init_app(app)
    app.cli.add_command(translate.translate_cli)
