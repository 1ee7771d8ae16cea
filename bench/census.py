"""`python -m bench.census` (part of `make bench`): load a residents list of 200,000 people (valid, invented
fiscal codes with birth dates) into a body, then load it again (the atomic replace), on SQLite and on
PostgreSQL (when it answers at 127.0.0.1:5432); prints the time of each load and the peak memory the loading
allocated (tracemalloc, measured on a third load so the timings are not slowed by it).

BENCH_CENSUS_ROWS changes the size."""
from __future__ import annotations

import datetime as dt
import os
import random
import string
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import func, select

from bench.database import BenchDatabase
from civic import create_app
from civic.bodies.models import Body
from civic.census import keys, services
from civic.census.models import CensusEntry
from civic.database import db

ROWS = int(os.environ.get("BENCH_CENSUS_ROWS", "200000"))
MONTHS = "ABCDEHLMPRST"


def _write_list(path: Path, rows: int) -> None:
    """Invented people: random letters and dates, a real-looking place code, the right check character."""
    rng = random.Random(2026)
    start = dt.date(1930, 1, 1)
    with path.open("w") as handle:
        handle.write("codice_fiscale;data_nascita\n")
        for _ in range(rows):
            born = start + dt.timedelta(days=rng.randrange(28000))
            day = born.day + (40 if rng.random() < 0.5 else 0)
            first = ("".join(rng.choices(string.ascii_uppercase, k=6)) + f"{born.year % 100:02d}"
                     + MONTHS[born.month - 1] + f"{day:02d}" + "Z" + f"{rng.randrange(1000):03d}")
            handle.write(f"{first}{keys.check_character(first)};{born.isoformat()}\n")


def _run(backend: str, folder: Path, source: Path) -> dict | None:
    database = BenchDatabase(backend, folder)
    try:
        database.create()
    except Exception as error:  # noqa: BLE001 (no PostgreSQL here: say so and go on)
        print(f"{backend}: skipped ({type(error).__name__})")
        return None
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "CIVIC_IDENTITY_KEY": "bench identity key",
                          "CIVIC_CENSUS_KEY": "bench census key", "CIVIC_INSTANCE_PATH": str(folder)})
        with app.app_context():
            db.create_all()
            body = Body(slug="novi", name="Comune di Novi Ligure")
            db.session.add(body)
            db.session.commit()
            timings = []
            for _ in range(2):
                started = time.perf_counter()
                with source.open(newline="") as handle:
                    loaded = services.load(None, body, handle)
                db.session.commit()
                timings.append(time.perf_counter() - started)
            tracemalloc.start()
            with source.open(newline="") as handle:
                services.load(None, body, handle)
            db.session.commit()
            _now, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            entries = db.session.scalar(select(func.count()).select_from(CensusEntry))
            db.session.remove()
            db.engine.dispose()
        return {"backend": backend, "people": loaded.people, "entries": entries, "first": timings[0],
                "replace": timings[1], "peak_mb": peak / 1024 / 1024}
    finally:
        database.drop()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "anagrafe.csv"
        _write_list(source, ROWS)
        print(f"census load: {ROWS} rows ({source.stat().st_size / 1024 / 1024:.1f} MB of CSV)")
        print(f"{'database':<12}{'people':>9}{'first load':>13}{'replace':>10}{'peak memory':>14}")
        for backend in ("sqlite", "postgresql"):
            found = _run(backend, folder, source)
            if found:
                print(f"{found['backend']:<12}{found['people']:>9}{found['first']:>12.1f}s"
                      f"{found['replace']:>9.1f}s{found['peak_mb']:>11.1f} MB")
                assert found["entries"] == found["people"], "the replaced list must be the only one"


if __name__ == "__main__":
    main()
