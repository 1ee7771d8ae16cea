"""Helpers of the census tests: a residents list written as a body's registry office would."""
from __future__ import annotations

from civic.census import services
from civic.database import db
from civic.identity.demo_idp.residents import Resident


def lines(*residents: Resident, birth_dates: bool = True, separator: str = ",") -> list[str]:
    header = separator.join(["codice_fiscale", "data_nascita"] if birth_dates else ["codice_fiscale"])
    rows = [separator.join([r.fiscal_code, r.date_of_birth] if birth_dates else [r.fiscal_code])
            for r in residents]
    return [line + "\n" for line in [header, *rows]]


def load(body, *residents: Resident, **options):
    loaded = services.load(None, body, lines(*residents), **options)
    db.session.commit()
    return loaded
