"""The bare stack Civic is compared with: Flask + Flask-SQLAlchemy + Jinja under the same gunicorn setup, on
the same database, with nothing else (no login, CSRF, translations, security headers or layout).

(a) GET /hello    a constant string: the floor of the stack
(b) GET /rows     the 20 newest rows of a table, rendered through a Jinja template
(c) POST /rows    one row inserted from a form, then a redirect (as a form POST in Civic answers)

Served with `gunicorn bench.baseline:app`; BENCH_DATABASE_URL names the database.
"""
from __future__ import annotations

import datetime as dt
import os

from flask import Flask, redirect, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, Text, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class Row(db.Model):
    __tablename__ = "bench_baseline_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # The same SQLite settings as Civic (civic/database.py), so both sides pay the same for a commit.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ["BENCH_DATABASE_URL"]
    db.init_app(app)

    @app.get("/hello")
    def hello():
        return "Hello, world!"

    @app.get("/rows")
    def list_rows():
        rows = db.session.scalars(select(Row).order_by(Row.id.desc()).limit(20))
        return render_template("rows.html", rows=rows)

    @app.post("/rows")
    def add_row():
        db.session.add(Row(title=request.form["title"], body=request.form.get("body", ""),
                           created_at=dt.datetime.now(dt.UTC)))
        db.session.commit()
        return redirect("/rows", 303)

    return app


def seed(app: Flask, count: int = 1000) -> None:
    """Create the baseline table beside Civic's and fill it."""
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        Row.__table__.create(db.engine, checkfirst=True)
        with db.engine.begin() as connection:
            connection.execute(Row.__table__.insert(), [
                {"title": f"Row {n}", "body": f"Text of row {n}, a sentence as long as a short summary.",
                 "created_at": now - dt.timedelta(minutes=n)} for n in range(count)
            ])
        db.engine.dispose()


if os.environ.get("BENCH_DATABASE_URL"):
    app = create_app()
