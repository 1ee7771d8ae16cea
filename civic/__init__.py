"""Civic: public consultations for municipalities."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from civic import cli, models, translate  # noqa: F401  (models: every table registered before anything uses the metadata)
from civic import config as civic_config
from civic.accounts import auth  # noqa: F401  (registers the user loader)
from civic.accounts import views as accounts_views
from civic.admin import views as admin_views
from civic.api import views as api_views
from civic.comments import views as comments_views
from civic.consultations import views as consultations_views
from civic.core import errors, i18n, pagecache, web
from civic.core import views as core_views
from civic.extensions import babel, csrf, db, limiter, login_manager, migrate
from civic.interest import views as interest_views
from civic.manage import views as manage_views
from civic.meetings import views as meetings_views
from civic.motions import views as motions_views
from civic.results import views as results_views
from civic.surveys import views as surveys_views

HERE = os.path.dirname(os.path.abspath(__file__))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults, environment, instance/config.py, then the test mapping."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=os.environ.get("CIVIC_INSTANCE_PATH") or os.path.join(os.path.dirname(HERE), "instance"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(civic_config.Defaults)
    app.config.update(civic_config.from_environment(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(HERE, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=";".join(i18n.translation_directories()),
    )
    pagecache.init_app(app)


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in every route stops at the largest id the databases store, so /meetings/99999999999 is a 404
    instead of a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    for blueprint in (core_views.bp, accounts_views.bp, manage_views.bp, admin_views.bp, consultations_views.bp,
                      motions_views.bp, comments_views.bp, meetings_views.bp, surveys_views.bp,
                      interest_views.bp, results_views.bp, api_views.bp):
        app.register_blueprint(blueprint)
    web.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    cli.init_app(app)
    app.cli.add_command(translate.translate_cli)
