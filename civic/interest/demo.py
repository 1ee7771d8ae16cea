"""Demo call for interest from the Novi Ligure seed: who would use a municipal coworking space and who would
run it. The areas and every declaration are generated (deterministic seed) and labelled as demo data.
Idempotent: the call is found by consultation and title before anything is created."""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

from sqlalchemy import insert, select

from civic.accounts import passwords
from civic.accounts.models import User
from civic.database import db, utcnow
from civic.interest.models import (
    Budget,
    Declaration,
    DeclarationNeed,
    Horizon,
    InterestArea,
    InterestCall,
    Need,
    Profile,
    Role,
)

SEED = 20150214
DECLARANTS = 140
WITHDRAWN = 6
EMAIL = "coworking.demo.{:03d}@civic.example"
TITLE = "Manifestazione di interesse: lo spazio di coworking comunale di Novi Ligure"
AREAS = ["Centro storico", "Zona stazione ferroviaria", "Area Biblioteca Civica (via Marconi)"]

DESCRIPTION = """\
Il Comune di Novi Ligure intende aprire il **primo spazio di coworking della città**, come strumento di
politica attiva del lavoro e di economia collaborativa. Dopo l'incontro pubblico del 14 febbraio 2015 alla
Biblioteca Civica, raccogliamo le manifestazioni di interesse di:

- **futuri utenti**: cittadini, imprenditori, liberi professionisti, partite IVA, associazioni, imprese e
  studenti che lavorerebbero nello spazio;
- **possibili gestori**: chi potrebbe gestire lo spazio e animarne la comunità.

Indica di cosa avresti bisogno, quanti giorni a settimana lo useresti, in quale zona lo preferiresti e quanto
potresti spendere. Il consenso a essere ricontattati è facoltativo e separato: senza di esso nome e indirizzo
e-mail non sono mostrati a nessuno.

*Dati dimostrativi: le zone e le dichiarazioni di questa pagina sono generate per provare la piattaforma.*
"""

FIRST_NAMES = ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Andrea", "Sara", "Matteo", "Elena", "Paolo",
               "Martina", "Davide", "Silvia", "Stefano", "Valentina", "Alessandro", "Federica", "Simone",
               "Laura", "Roberto", "Anna", "Giorgio", "Irene", "Fabio", "Elisa", "Nicola", "Marta", "Daniele"]
LAST_NAMES = ["Rossi", "Bianchi", "Ferrari", "Gatti", "Repetto", "Parodi", "Traverso", "Ferrando", "Cavanna",
              "Bagnasco", "Merlo", "Ravera", "Piccardo", "Carrega", "Montaldo", "Ghio", "Bisio", "Pastorino",
              "Lanza", "Canepa", "Oddone", "Rebora", "Torre", "Bruzzone"]
SECTORS = ["grafica e comunicazione", "consulenza fiscale", "sviluppo software", "architettura", "traduzioni",
           "artigianato digitale", "formazione", "turismo", "fotografia", "agroalimentare", "servizi sociali",
           "marketing", ""]
EXPERIENCES = [
    "Ho gestito per tre anni la sala studio di un'associazione culturale, con turni e calendario eventi.",
    "Coordino un gruppo di liberi professionisti che condivide un ufficio in affitto.",
    "Ho lavorato in un coworking a Torino occupandomi dell'accoglienza e della community.",
    "Presiedo un'associazione di categoria locale e organizziamo corsi per partite IVA.",
    "Gestisco un piccolo fablab in un garage: stampanti 3D, laser e corsi per ragazzi.",
    "Esperienza decennale nella gestione di spazi per eventi e sale riunioni.",
]
OFFERS = [
    "Apertura dal lunedì al sabato, un evento di networking al mese e corsi brevi.",
    "Servizi di segreteria condivisa e domiciliazione per le partite IVA.",
    "Attrezzature da laboratorio e un programma per le scuole superiori.",
    "Collaborazione con le associazioni di categoria per sportelli di consulenza.",
    "",
]

PROFILE_WEIGHTS = {Profile.CITIZEN: 14, Profile.ENTREPRENEUR: 10, Profile.FREELANCE: 30,
                   Profile.VAT_HOLDER: 20, Profile.ASSOCIATION: 8, Profile.COMPANY: 6, Profile.STUDENT: 12}
ROLE_WEIGHTS = {Role.USER: 72, Role.MANAGER: 8, Role.BOTH: 20}
NEED_CHANCE = {Need.HOT_DESK: .55, Need.FIXED_DESK: .35, Need.PRIVATE_OFFICE: .12, Need.MEETING_ROOM: .5,
               Need.EVENT_SPACE: .25, Need.WORKSHOP_TOOLS: .1, Need.CHILDCARE: .08, Need.ACCESSIBILITY: .05}
BUDGET_WEIGHTS = {Budget.NOTHING: 6, Budget.UP_TO_50: 22, Budget.FROM_50_TO_100: 34,
                  Budget.FROM_100_TO_200: 24, Budget.FROM_200_TO_400: 10, Budget.OVER_400: 4}
HORIZON_WEIGHTS = {Horizon.NOW: 25, Horizon.THREE_MONTHS: 30, Horizon.SIX_MONTHS: 22, Horizon.ONE_YEAR: 15,
                   Horizon.LATER: 8}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _declarants(count: int) -> list[int]:
    """Ids of the demo citizens, created in one insert with one shared hash of a password nobody knows: they
    cannot log in unless an administrator resets them."""
    emails = [EMAIL.format(n) for n in range(1, count + 1)]
    existing = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    missing = [email for email in emails if email not in existing]
    if missing:
        rng = random.Random(SEED + 1)
        shared_hash = passwords.hash_password(secrets.token_urlsafe(32))
        now = utcnow()
        db.session.execute(insert(User), [
            {"email": email, "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
             "password_hash": shared_hash, "privacy_accepted_at": now, "email_confirmed_at": now,
             "password_changed_at": now, "created_at": now, "is_admin": False, "is_active_account": True,
             "locale": "it"}
            for email in missing
        ])
        existing = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    return [existing[email] for email in emails]


def generate_declarations(call: InterestCall, user_ids: list[int], rng: random.Random, now: dt.datetime,
                          withdrawn: int = 0) -> list[Declaration]:
    """Plausible declarations, one per user, the last `withdrawn` of them withdrawn (used by tests as
    well)."""
    areas = [area.id for area in call.areas]
    declarations = []
    for index, user_id in enumerate(user_ids):
        role = _pick(rng, ROLE_WEIGHTS) if call.asks_for == Role.BOTH else call.asks_for
        manager = role in (Role.MANAGER, Role.BOTH)
        created = now - dt.timedelta(days=rng.randint(0, 9), minutes=rng.randint(0, 1439))
        declaration = Declaration(
            call_id=call.id, user_id=user_id, role=role, profile=_pick(rng, PROFILE_WEIGHTS),
            sector=rng.choice(SECTORS),
            days_per_week=rng.randint(0, 2) if role == Role.MANAGER else rng.choice([1, 2, 2, 3, 3, 4, 5, 5]),
            area_id=rng.choice(areas + [None]) if areas else None,
            budget=_pick(rng, BUDGET_WEIGHTS), horizon=_pick(rng, HORIZON_WEIGHTS),
            manager_experience=rng.choice(EXPERIENCES) if manager else "",
            manager_offer=rng.choice(OFFERS) if manager else "",
            notes="", contact_consent=rng.random() < (.7 if manager else .3),
            created_at=created, updated_at=created,
            withdrawn_at=now if index >= len(user_ids) - withdrawn else None,
        )
        declaration.needs = [DeclarationNeed(need=need) for need, chance in NEED_CHANCE.items()
                             if rng.random() < chance]
        declarations.append(declaration)
    db.session.add_all(declarations)
    db.session.flush()
    return declarations


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """The Novi Ligure call, open now, with generated declarations."""
    consultation = context["consultations"]["novi"]
    call = db.session.scalar(select(InterestCall).where(InterestCall.consultation_id == consultation.id,
                                                        InterestCall.title == TITLE))
    if call is not None:
        return {"call": call}
    now = utcnow()
    call = InterestCall(consultation=consultation, title=TITLE, description=DESCRIPTION, asks_for=Role.BOTH,
                        opens_at=now - dt.timedelta(days=10), closes_at=now + dt.timedelta(days=45),
                        areas=[InterestArea(name=name, position=n) for n, name in enumerate(AREAS)])
    db.session.add(call)
    db.session.flush()
    rng = random.Random(SEED)
    generate_declarations(call, _declarants(DECLARANTS), rng, now, withdrawn=WITHDRAWN)
    db.session.commit()
    echo(f"  interest call {call.id} with {DECLARANTS} demo declarations ({WITHDRAWN} withdrawn)")
    return {"call": call}
