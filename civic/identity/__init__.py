"""Sign in with SPID and CIE (SAML 2.0, AgID's rules), the digital identities it links to accounts, and the
demo identity provider. A platform package: it imports accounts and core, never a feature. Read API:
civic.identity.current."""
from __future__ import annotations

import random

from flask import Flask, url_for

from civic.identity import cli, models, services, settings, views  # noqa: F401  (models: the tables)
from civic.identity.demo_idp import views as demo_views
from civic.identity.models import Provider


def sign_in_choices(next_url: str | None = None) -> dict:
    """For the log-in and registration pages: the SPID identity providers in random order (AgID's rule for
    the button) and the CIE one, each as (name, address), the demo one labelled."""
    choices = {}
    for provider in Provider:
        found = services.identity_providers(provider)
        links = [(name, url_for("identity.login", provider=provider.value, idp=entity_id, next=next_url))
                 for entity_id, name in found.items()]
        random.shuffle(links)
        choices[provider.value] = links
    return choices


def init_app(app: Flask) -> None:
    """Check the configuration, add the endpoints (the demo identity provider's only when it is on), the
    `spid` commands and the template helper."""
    settings.check(app)
    app.register_blueprint(views.bp)
    if app.config.get("CIVIC_DEMO_IDP"):
        app.register_blueprint(demo_views.bp)
    app.cli.add_command(cli.spid_cli)
    app.jinja_env.globals["sign_in_choices"] = sign_in_choices
