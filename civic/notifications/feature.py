"""Follow and notifications: people follow what the features declare followable and are told, in the site and
by e-mail (at once or in a daily digest), the news the features announce (civic.core.features.announce)."""
from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from civic.accounts import people
from civic.core.features import Feature, Link, PersonalRecords, PersonFact
from civic.core.records import count_of, stream
from civic.core.timezone import ROME
from civic.database import db, utcnow
from civic.notifications import demo, queries, services
from civic.notifications.views import bp


def digest_cutoff(now: dt.datetime) -> dt.datetime:
    """The last time the daily digest was due (CIVIC_DIGEST_HOUR, Europe/Rome) at `now`: a digest carries
    what happened before it."""
    local = now.astimezone(ROME)
    due = local.replace(hour=current_app.config["CIVIC_DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    if due > local:
        due = (local - dt.timedelta(days=1)).replace(hour=due.hour, minute=0, second=0, microsecond=0)
    return due.astimezone(dt.UTC)


def _digests() -> str | None:
    sent = services.send_digests(digest_cutoff(utcnow()))
    db.session.commit()
    return f"queued {sent} notification digests" if sent else None


commands = AppGroup("notifications", help="Notifications of what people follow.")


@commands.command("digest")
@click.option("--all", "everything", is_flag=True, help="Include what happened since the last digest hour.")
def digest_command(everything: bool) -> None:
    """Queue the daily digests of notifications (the outbox worker's loop does it after CIVIC_DIGEST_HOUR)."""
    sent = services.send_digests(None if everything else digest_cutoff(utcnow()))
    db.session.commit()
    click.echo(f"queued {sent} notification digests")


def _following(target: str, target_id: int) -> bool:
    if not current_user.is_authenticated:
        return False
    kept = people.fact("follows")  # a citizen on a kept page: what the process knows they follow
    if kept is not None:
        return (target, target_id) in kept
    return queries.is_following(current_user.id, target, target_id)


def _setup(app: Flask) -> None:
    app.add_template_global(_following, "following")


feature = Feature(
    name="notifications",
    blueprint=bp,
    account_menu=[Link("notifications.inbox", _l("Notifications"), count=queries.unread_count,
                       count_column=queries.unread_column)],
    personal_data=[
        PersonalRecords(
            "follows", _l("What you follow"),
            _l("The consultations, motions and meetings you follow, and since when."),
            lambda user_id: count_of(queries.follows_of(user_id)),
            lambda user_id: stream(queries.follows_of(user_id)),
            _l("What you follow, your notifications and your preferences are deleted.")),
        PersonalRecords(
            "notification_preferences", _l("Notification preferences"),
            _l("For each kind of notification, whether and how you want to be told."),
            lambda user_id: count_of(queries.preferences_of(user_id)),
            lambda user_id: stream(queries.preferences_of(user_id))),
    ],
    on_announce=services.notify,
    on_took_part=services.on_took_part,
    private_tables=frozenset({"follows", "notifications", "notification_preferences",
                              "notification_settings"}),
    person_facts=[PersonFact("follows", queries.followed, queries.followed_columns,
                              queries.followed_from_columns)],
    person_tables=frozenset({"notifications", "follows"}),  # the unread count, what they follow
    periodic=[_digests],
    commands=[commands],
    setup=_setup,
    demo=demo.load,
)
