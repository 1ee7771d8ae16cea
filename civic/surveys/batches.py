"""Anonymous web responses are held, then released into survey_responses in shuffled batches, so that someone
holding the database (or a backup) cannot tell which participant of the ledger gave which response better than
by chance among at least k of them (CIVIC_ANONYMITY_BATCH).

Why: a participant's ledger row and their response used to be written in one transaction, one after the other,
so the ledger's physical order (ctid on PostgreSQL), the responses' ids and their submission times lined up.

How:
- A submit writes the ledger row and a held response (survey_held_responses): a random key, no time, no rowid
  on SQLite, the answers sealed (AES-GCM with a key derived from the secret key, bound to the survey). Held
  rows are written in submission order like the ledger's, so while held they are sealed: a copy of the
  database alone reads neither them nor, later, which released response each one became.
- Once 2k responses are waiting, all but k of them, drawn at random, are released in one transaction in a
  random order: new responses ids, answer ids and physical rows follow that order, and every released
  response is dated by the day of its release (midnight, Europe/Rome), never by its submission time.
- k stay held, so the batch released when the survey closes (by a councillor, or lazily once its closing time
  has passed: see `release_if_closed`) has at least k responses too. A survey with fewer than k answers in all
  releases them all at close: every one of them is one among all its respondents.
- k = 1 releases each response at once (a batch of one; no protection, for surveys that want none).
- Concurrency: the waiting rows are taken with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite's write lock
  serialises writers) and deleted with RETURNING, so each held response is released exactly once.

What remains (the privacy page and the README say it): the write-ahead log and the web server's access log
keep the time of each request; a backup taken while responses are held holds them sealed, readable with the
secret key; dead PostgreSQL row versions keep sealed payloads until VACUUM."""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import random
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import Integer, bindparam, case, delete, false, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql

from civic.core import pagecache
from civic.core.timezone import ROME, local_today
from civic.database import db
from civic.surveys.models import ANSWER_VALUES, Answer, Channel, HeldResponse, Response, Survey

log = logging.getLogger(__name__)

_shuffler = random.SystemRandom()


def batch_size() -> int:
    return max(1, int(current_app.config["CIVIC_ANONYMITY_BATCH"]))


def release_day() -> dt.datetime:
    """The time stored on an anonymous response: the start of today in Europe/Rome (as UTC), the same for
    every response of a batch."""
    return dt.datetime.combine(local_today(), dt.time(), tzinfo=ROME).astimezone(dt.UTC)


# --- sealing ------------------------------------------------------------------------------------------------


def _keys() -> tuple[AESGCM, ...]:
    """AES keys derived from the secret key, then from any fallback keys (Flask's SECRET_KEY_FALLBACKS), so
    responses held when the key changed can still be released."""
    return _derived(str(current_app.config["SECRET_KEY"]),
                    *(str(secret) for secret in current_app.config.get("SECRET_KEY_FALLBACKS") or ()))


@functools.lru_cache(maxsize=4)
def _derived(*secrets_: str) -> tuple[AESGCM, ...]:
    """The ciphers of these secrets, derived once per process (every anonymous answer is sealed)."""
    return tuple(AESGCM(hmac.new(secret.encode(), b"civic-held-responses", hashlib.sha256).digest())
                 for secret in secrets_)


def _bound(survey_id: int) -> bytes:
    return f"survey:{survey_id}".encode()


def seal(survey_id: int, rows: list[dict] | dict) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _keys()[0].encrypt(nonce, json.dumps(rows).encode(), _bound(survey_id))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(survey_id: int, sealed: str) -> list[dict] | dict | None:
    """The answer rows, or None when no key opens them (the secret key changed without a fallback)."""
    raw = base64.urlsafe_b64decode(sealed.encode())
    for key in _keys():
        try:
            return json.loads(key.decrypt(raw[:12], raw[12:], _bound(survey_id)))
        except InvalidTag:
            continue
    return None


# --- holding and releasing ----------------------------------------------------------------------------------


def waiting(survey_id: int) -> int:
    """How many responses of the survey are held now (a statement built once: it runs after every answer)."""
    return db.session.scalar(_waiting_statement(), {"survey_id": survey_id})


@functools.cache
def _waiting_statement():
    held = HeldResponse.__table__
    return select(func.count()).select_from(held).where(held.c.survey_id == bindparam("survey_id"))


def held_row(survey: Survey, rows: list[dict], verified: bool = False) -> dict:
    """The held response to insert: a random key, the survey, the answers sealed with whether they came from
    a verified resident. No time."""
    return {"key": secrets.token_hex(16), "survey_id": survey.id,
            "sealed": seal(survey.id, {"rows": rows, "verified": bool(verified)})}


_HOLD = insert(HeldResponse.__table__)  # the values come with each call


def hold(survey: Survey, rows: list[dict], verified: bool = False) -> None:
    """Keep an anonymous web response until a batch is released; then release one if enough are waiting.
    Whether it came from a verified resident is sealed with its answers."""
    db.session.execute(_HOLD, held_row(survey, rows, verified))
    k = batch_size()
    held_then(survey, None if k == 1 else waiting(survey.id))


def held_then(survey: Survey, waiting_now: int | None, turn: bool = True) -> None:
    """After a response was held, with how many are waiting now (the new one included; None when the batch
    size is 1, which releases each at once): release a batch when 2k are waiting, unless another transaction
    has the survey's turn to release one now (`turn`, see `release_turn`)."""
    if batch_size() == 1 or (waiting_now is not None and waiting_now >= release_at() and turn):
        release(survey.id)


def release_at() -> int:
    """How many held responses make a batch to release: 2k (all but k of them go, the k left mix with the
    next ones)."""
    return 2 * batch_size()


# The first key of the PostgreSQL advisory lock that is a survey's turn to release a batch (the second key is
# the survey's id).
RELEASE_TURN = 1801


def release_turn(waiting, survey_id):
    """A column for the PostgreSQL statement that holds a response, beside `waiting` (the count of those held
    before it): true when, with the new one, `release_at()` are waiting (bound value "release_at", from
    `release_turn_values`) and this transaction took the survey's turn to release a batch, an advisory lock
    held until it ends. The answers that come meanwhile see the turn taken and leave the release to it,
    instead of each looking for rows to release while the batch's are locked."""
    return case((waiting + 1 >= bindparam("release_at", type_=Integer()),
                 func.pg_try_advisory_xact_lock(literal_column(str(RELEASE_TURN), Integer()), survey_id)),
                else_=false())


def take_turn(survey_id: int) -> bool:
    """Take the survey's turn to release a batch in the transaction that begins (PostgreSQL), as
    `release_turn` does in the answer's statement: False when another transaction has it now."""
    return bool(db.session.connection().execute(_TAKE_TURN, {"survey_id": survey_id}).scalar())


_TAKE_TURN = select(func.pg_try_advisory_xact_lock(literal_column(str(RELEASE_TURN), Integer()),
                                                   bindparam("survey_id", type_=Integer())))


def release_turn_values() -> dict:
    """The bound values of `release_turn`."""
    return {"release_at": release_at()}


def release(survey_id: int, everything: bool = False) -> int:
    """Release a shuffled batch: when 2k or more responses are waiting, all but k of them, drawn at random
    (k = 1: every one); with `everything` (the survey closed), all of them. Returns how many were released."""
    k = batch_size()
    keep = 0 if everything or k == 1 else k
    pagecache.changes(f"survey:{survey_id}")
    # SKIP LOCKED: rows another transaction is releasing are left to it (PostgreSQL; SQLite has no row locks
    # and needs none, its writers take turns).
    waiting_keys, take = _release_statements()
    connection = db.session.connection()  # Core statements on it: no ORM execution step
    keys = connection.execute(waiting_keys, {"survey_id": survey_id}).scalars().all()
    if not keys or len(keys) < keep + k and not everything:
        return 0
    chosen = _shuffler.sample(keys, len(keys) - keep)
    taken = connection.execute(take, {"keys": chosen}).scalars().all()
    # The database returns deleted rows in its own (physical, so submission) order: shuffle again.
    _shuffler.shuffle(taken)
    # Held before responses said whether they came from verified residents: a plain list of rows.
    answer_sets = [{"rows": held, "verified": False} if isinstance(held, list) else held
                   for held in (unseal(survey_id, sealed) for sealed in taken)]
    lost = sum(rows is None for rows in answer_sets)
    if lost:
        log.warning("%d held responses of survey %d could not be unsealed (the secret key changed) and were "
                    "dropped", lost, survey_id)
    answer_sets = [rows for rows in answer_sets if rows is not None]
    if not answer_sets:
        return 0
    day = release_day()
    # The responses are identical rows (survey, channel, day), inserted in one statement; which held answers
    # each id receives is the shuffled order above, so neither ids nor physical order tell anything.
    ids = sorted(connection.execute(_NEW_RESPONSES, [
        {"survey_id": survey_id, "channel": Channel.WEB, "submitted_at": day, "user_id": None,
         "verified": held["verified"]} for held in answer_sets]).scalars().all())
    answers = [{**row, "response_id": response_id}
               for response_id, held in zip(ids, answer_sets, strict=True) for row in held["rows"]]
    if answers and connection.dialect.name == "postgresql":
        # One statement of one row per column, whatever the number of answers: one plan, one execution.
        connection.execute(_new_answers_from_arrays(), {
            f"{name}s": [answer.get(name) for answer in answers] for name in _ANSWER_ARRAYS})
    elif answers:
        connection.execute(_NEW_ANSWERS, answers)
    return len(ids)


# Built once (Core, no ORM bookkeeping): a busy survey releases a batch every k answers, and under load
# several answers at a time look for one to release.
_NEW_RESPONSES = insert(Response.__table__).returning(Response.__table__.c.id)
_NEW_ANSWERS = insert(Answer.__table__).execution_options(render_nulls=True)
_ANSWER_ARRAYS = ("response_id", *ANSWER_VALUES)


@functools.cache
def _new_answers_from_arrays():
    """PostgreSQL: the batch's answers as one array per column ("response_ids", "question_ids", ...),
    unnested into rows by the INSERT."""
    answers = Answer.__table__
    arrays = func.unnest(*(bindparam(f"{name}s", type_=postgresql.ARRAY(answers.c[name].type))
                           for name in _ANSWER_ARRAYS)).table_valued(*_ANSWER_ARRAYS).render_derived()
    return insert(answers).from_select(list(_ANSWER_ARRAYS), select(*arrays.c))


@functools.cache
def _release_statements():
    """The keys of the survey's held responses that no other transaction is releasing, locked; the deletion
    of the chosen ones, returning their sealed answers."""
    held = HeldResponse.__table__
    return (select(held.c.key).where(held.c.survey_id == bindparam("survey_id"))
            .with_for_update(skip_locked=True),
            delete(held).where(held.c.key.in_(bindparam("keys", expanding=True))).returning(held.c.sealed))


def release_if_closed(survey: Survey) -> int:
    """Release every held response of a survey that no longer takes answers (closed, or past its closing
    time): the last batch, which has at least k responses unless the survey had fewer in all."""
    if survey.phase() != "closed":
        return 0
    return release(survey.id, everything=True)


def settle(survey: Survey) -> tuple[int, int]:
    """(held, released) for a page about the survey's responses: a survey that no longer takes answers has
    its held responses released first (the caller commits when `released`); `held` is what still waits, which
    the page says plainly. One query when nothing is held."""
    if not survey.anonymous:
        return 0, 0
    held = waiting(survey.id)
    released = release_if_closed(survey) if held else 0
    return (held - released if released else held), released
