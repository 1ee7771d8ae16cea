"""Generated data for the benchmark, written through the bulk writer with explicit ids (the same ids on every
database, so login sessions made on the first one stay valid on the next).

Small data is what a new consultation has; large data is a city after a few years: tens of thousands of
citizens, a thousand consultations, ten thousand motions with their supports, thousands of meetings, and three
results surveys of 1,000, 10,000 and 100,000 responses of 10 answers each. The pages of scenario 1 show the
same objects at both sizes, so their query counts can be compared.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bench.database import BulkWriter
from bench.profiles import Profile
from civic.accounts import passwords
from civic.accounts.models import Councillorship, User
from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationPhase, ConsultationStatus, ConsultationTopic
from civic.database import db
from civic.meetings import models as meetings
from civic.motions import models as motions
from civic.surveys import models as surveys

PASSWORD = "bench citizens share this passphrase"
WORDS = ("piazza quartiere mobilità verde scuola biblioteca mercato parcheggio pista ciclabile trasporto "
         "lavoro coworking giovani anziani sport cultura sicurezza illuminazione rifiuti raccolta acqua "
         "municipio consiglio proposta progetto bilancio partecipato spazio pubblico servizi cittadini "
         "associazioni commercio turismo porto collina centro storico periferia").split()
TOPICS = ("mobilita", "ambiente", "lavoro", "coworking", "scuola", "cultura", "sport", "bilancio")
UTC = dt.UTC


class Dataset:
    def __init__(self, app: Flask, profile: Profile, seed: int = 2024):
        self.app = app
        self.profile = profile
        self.random = random.Random(seed)
        with app.app_context():
            self.writer = BulkWriter(db.engine)
            # One real Argon2id hash with the production parameters, shared by every generated account.
            self.password_hash = passwords.hash_password(PASSWORD)
        self.password = PASSWORD
        self.now = dt.datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.citizens: list[tuple[int, str]] = []
        self.councillor: tuple[int, str] = (0, "")
        self.ids: dict[str, int] = {}
        self.lists: dict[str, list[int]] = {}
        self.survey_shape: dict[int, list[dict]] = {}
        self.results_surveys: dict[int, int] = {}
        self.pages: dict[str, str] = {"home": "/"}

    # --- helpers -------------------------------------------------------------------------------------------

    def text(self, words: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(words)).capitalize() + "."

    def markdown(self, paragraphs: int) -> str:
        return "\n\n".join(self.text(self.random.randint(30, 60)) for _ in range(paragraphs))

    def insert(self, model, rows) -> int:
        return self.writer.insert(model.__table__, rows)

    def new_ids(self, model, count: int) -> range:
        return self.writer.next_ids(model.__table__, count)

    def insert_numbered(self, model, items: list, row: Callable[[Any], dict]) -> None:
        """One row per item, `row(item)` plus a fresh id."""
        ids = self.new_ids(model, len(items))
        self.insert(model, ({"id": i, **row(item)} for i, item in zip(ids, items, strict=True)))

    def count(self, model) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    # --- stages --------------------------------------------------------------------------------------------

    def load_small(self) -> None:
        self.load_accounts(bodies=3, citizens=self.profile.citizens, logged_in=True)
        self.load_consultations(3, featured=True)
        self.load_motions(5, featured_share=2)
        self.load_meetings(3, featured=True)
        self.load_race_meetings()
        self.load_submission_surveys()
        self.writer.finish()

    def load_large(self) -> dict[str, int]:
        p = self.profile
        self.load_accounts(bodies=47, citizens=p.large_citizens, logged_in=False)
        self.load_consultations(p.large_consultations, featured=False)
        self.load_motions(p.large_motions, featured_share=18)
        self.load_meetings(p.large_meetings, featured=False)
        for size in p.survey_sizes:
            self.load_results_survey(size)
        self.writer.finish()
        models = [User, Body, Consultation, motions.Motion, motions.MotionSupport, meetings.Meeting,
                  meetings.Registration, surveys.Response, surveys.Answer]
        return {model.__tablename__: self.count(model) for model in models}

    # --- accounts and bodies -------------------------------------------------------------------------------

    def load_accounts(self, bodies: int, citizens: int, logged_in: bool) -> None:
        body_ids = self.new_ids(Body, bodies)
        # Every body after the first is a district (municipio) of the first city, as in Genova: so the small
        # data already has a body with a parent, and loading parents is not a query only large data makes.
        city = self.lists.get("bodies", body_ids)[0]
        self.insert(Body, ({"id": i, "slug": f"bench-body-{i}", "name": f"Comune di Bench {i}",
                            "parent_id": city if i != city else None} for i in body_ids))
        self.lists.setdefault("bodies", []).extend(body_ids)
        if "councillor" not in self.ids:
            (councillor,) = self.new_ids(User, 1)
            self.ids["councillor"] = councillor
            self.insert(User, [self._user(councillor, "councillor")])
            self.councillor = (councillor, self._email(councillor, "councillor"))
            self.insert_numbered(Councillorship, [councillor],
                                 lambda user: {"user_id": user, "body_id": body_ids[0]})
        user_ids = self.new_ids(User, citizens)
        self.insert(User, (self._user(i, "citizen") for i in user_ids))
        self.lists.setdefault("citizens", []).extend(user_ids)
        if logged_in:
            self.citizens = [(i, self._email(i, "citizen")) for i in user_ids]

    def _email(self, user_id: int, kind: str) -> str:
        return f"{kind}{user_id}@bench.example.org"

    def _user(self, user_id: int, kind: str) -> dict:
        return {"id": user_id, "email": self._email(user_id, kind), "display_name": f"Persona {user_id}",
                "password_hash": self.password_hash, "email_confirmed_at": self.now,
                "privacy_accepted_at": self.now, "is_admin": False, "is_active_account": True, "locale": "it",
                "created_at": self.now, "password_changed_at": self.now}

    # --- consultations -------------------------------------------------------------------------------------

    def load_consultations(self, count: int, featured: bool) -> None:
        """`count` consultations across the bodies; with `featured`, first the three the scenarios use."""
        named = ("bench-featured", "bench-race", "bench-surveys") if featured else ()
        ids = self.new_ids(Consultation, count + len(named))
        bodies = self.lists["bodies"]
        rows = []
        for n, i in enumerate(ids):
            rows.append({
                "id": i, "slug": named[n] if n < len(named) else f"bench-consultation-{i}",
                "body_id": bodies[0] if n < len(named) else self.random.choice(bodies),
                "title": self.text(8)[:200], "summary": self.text(25)[:500], "description": self.markdown(4),
                "status": ConsultationStatus.CLOSED if n % 10 == 9 else ConsultationStatus.PUBLISHED,
                "opens_on": self.today - dt.timedelta(days=30),
                "closes_on": self.today + dt.timedelta(days=60),
                "created_at": self.now - dt.timedelta(hours=i), "updated_at": self.now,
                "published_at": self.now - dt.timedelta(hours=i),
            })
        for n, key in enumerate(("featured", "race", "surveys")[:len(named)]):
            self.ids[key] = ids[n]
        if featured:
            self.pages["consultation"] = "/consultations/bench-featured/"
        self.insert(Consultation, rows)
        self.lists.setdefault("consultations", []).extend(ids)
        self.insert(ConsultationTopic, ({"consultation_id": i, "name": name} for i in ids
                                        for name in self.random.sample(TOPICS, 2)))
        self.insert_numbered(ConsultationPhase, [(i, p) for i in ids for p in range(3)], lambda item: {
            "consultation_id": item[0], "position": item[1], "name": self.text(3)[:120],
            "description": self.text(20), "starts_on": self.today + dt.timedelta(days=30 * (item[1] - 1)),
            "ends_on": self.today + dt.timedelta(days=30 * item[1] - 1)})

    # --- motions -------------------------------------------------------------------------------------------

    def load_motions(self, count: int, featured_share: int) -> None:
        """`count` public motions, the first `featured_share` of them in the featured consultation, with 10
        supports each."""
        ids = self.new_ids(motions.Motion, count)
        statuses = [s for s in motions.MotionStatus if s != motions.MotionStatus.DRAFT]
        consultations, bodies = self.lists["consultations"], self.lists["bodies"]
        rows = []
        for n, i in enumerate(ids):
            status = statuses[n % len(statuses)]
            decided = status in (motions.MotionStatus.APPROVED, motions.MotionStatus.REJECTED)
            rows.append({
                "id": i, "body_id": bodies[n % len(bodies)],
                "consultation_id": (self.ids["featured"] if n < featured_share
                                    else self.random.choice(consultations)),
                "title": self.text(10)[:200], "text": self.markdown(3), "identifier": f"{i}/2024",
                "filed_on": self.today - dt.timedelta(days=n % 400), "status": status,
                "voted_on": self.today - dt.timedelta(days=n % 300) if decided else None,
                "votes_for": 20 if decided else None, "votes_against": 10 if decided else None,
                "votes_abstain": 2 if decided else None, "votes_absent": 1 if decided else None,
                "created_by_id": self.ids["councillor"], "created_at": self.now - dt.timedelta(minutes=i),
                "updated_at": self.now, "published_at": self.now - dt.timedelta(minutes=i),
            })
        self.insert(motions.Motion, rows)
        self.insert(motions.MotionTopic, ({"motion_id": i, "name": self.random.choice(TOPICS)} for i in ids))
        self.insert_numbered(motions.MotionProposer, list(ids),
                             lambda i: {"motion_id": i, "position": 0, "name": f"Consigliere {i}"})
        citizens = self.lists["citizens"]
        pairs = [(i, u) for i in ids for u in self.random.sample(citizens, min(len(citizens), 10))]
        self.insert_numbered(motions.MotionSupport, pairs,
                             lambda pair: {"motion_id": pair[0], "user_id": pair[1], "created_at": self.now})
        self.pages["motions"] = "/motions/"

    # --- meetings ------------------------------------------------------------------------------------------

    def meeting_row(self, i: int, consultation_id: int, capacity: int, days: int) -> dict:
        starts = self.now + dt.timedelta(days=days, hours=2)
        return {"id": i, "consultation_id": consultation_id, "title": self.text(6)[:200],
                "description": self.markdown(2), "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=2),
                "venue_name": "Sala consiliare", "venue_address": "Piazza del Comune 1", "capacity": capacity,
                "confirmed_count": 0, "registration_opens_at": self.now - dt.timedelta(days=1),
                "audiences": ["cittadini", "associazioni di categoria"],
                "status": meetings.MeetingStatus.SCHEDULED, "sequence": 0, "created_at": self.now,
                "updated_at": self.now}

    def load_meetings(self, count: int, featured: bool) -> None:
        """`count` meetings with a 4-item agenda. The featured consultation has 3 at small data (the first is
        the featured meeting, 2,000 seats) and 7 more at large; the featured meeting gets 10 people at small
        data and 1,000 more at large."""
        ids = self.new_ids(meetings.Meeting, count)
        consultations = self.lists["consultations"]
        rows = []
        for n, i in enumerate(ids):
            consultation = self.ids["featured"] if featured or n < 7 else self.random.choice(consultations)
            capacity = 2000 if featured and n == 0 else 100
            rows.append(self.meeting_row(i, consultation, capacity, days=1 + n % 90))
        if featured:
            self.ids["meeting"] = ids[0]
            self.pages["meeting"] = f"/meetings/{ids[0]}"
        self.insert(meetings.Meeting, rows)
        self.insert_numbered(meetings.AgendaItem, [(i, p) for i in ids for p in range(4)], lambda item: {
            "meeting_id": item[0], "position": item[1], "title": self.text(5)[:200],
            "time": dt.time(18 + item[1] // 2, 30 * (item[1] % 2)), "speaker": "Relatore"})
        self.register(self.ids["meeting"], self.lists["citizens"][-10 if featured else -1000:])

    def register(self, meeting_id: int, user_ids: list[int]) -> None:
        """Confirmed registrations, and the meeting's seat counter moved by as many."""
        self.insert_numbered(meetings.Registration, user_ids, lambda user: {
            "meeting_id": meeting_id, "user_id": user, "status": meetings.RegistrationStatus.CONFIRMED,
            "category": "cittadini", "ticket_code": secrets.token_urlsafe(12), "created_at": self.now,
            "queued_at": self.now, "confirmed_at": self.now})
        Meeting = meetings.Meeting
        with self.app.app_context():
            db.session.execute(db.update(Meeting).where(Meeting.id == meeting_id)
                               .values(confirmed_count=Meeting.confirmed_count + len(user_ids)))
            db.session.commit()

    def load_race_meetings(self) -> None:
        """One empty meeting per race round (and one to warm up), `seats` seats each."""
        ids = self.new_ids(meetings.Meeting, self.profile.rounds + 1)
        self.insert(meetings.Meeting, (self.meeting_row(i, self.ids["race"], self.profile.seats, days=5)
                                       for i in ids))
        self.lists["race_meetings"] = list(ids)

    # --- surveys -------------------------------------------------------------------------------------------

    def load_submission_surveys(self) -> None:
        """One empty 10-question survey per submission round (and one to warm up), then one per round of the
        submit storm that anonymous visitors browse through."""
        self.lists["submission_surveys"] = [self.load_survey(self.ids["surveys"], f"Questionario {n}")
                                            for n in range(2 * self.profile.rounds + 1)]

    def load_survey(self, consultation_id: int, title: str) -> int:
        """An open survey of two sections and 10 questions (6 single choice, 2 multiple choice, 2 scales, 1
        short text), results public while open."""
        (survey_id,) = self.new_ids(surveys.Survey, 1)
        self.insert(surveys.Survey, [{
            "id": survey_id, "consultation_id": consultation_id, "title": title,
            "introduction": self.text(30),
            "status": surveys.SurveyStatus.OPEN, "audience": surveys.Audience.CONFIRMED, "anonymous": True,
            "results_visibility": surveys.ResultsVisibility.WHILE_OPEN,
            "opens_at": self.now - dt.timedelta(days=1), "version": 1, "created_at": self.now,
            "updated_at": self.now}])
        sections = list(self.new_ids(surveys.SurveySection, 2))
        self.insert(surveys.SurveySection, ({"id": s, "survey_id": survey_id, "position": n,
                                             "title": self.text(3)} for n, s in enumerate(sections)))
        K = surveys.QuestionKind
        kinds = [K.SINGLE_CHOICE, K.SINGLE_CHOICE, K.MULTIPLE_CHOICE, K.SCALE, K.SINGLE_CHOICE,
                 K.SINGLE_CHOICE, K.MULTIPLE_CHOICE, K.SCALE, K.SINGLE_CHOICE, K.SHORT_TEXT]
        settings = {K.SCALE: {"min": 1, "max": 5}, K.MULTIPLE_CHOICE: {"min_choices": 1, "max_choices": 3},
                    K.SHORT_TEXT: {"max_length": 200}}
        questions = list(self.new_ids(surveys.Question, len(kinds)))
        self.insert(surveys.Question, ({
            "id": q, "survey_id": survey_id, "section_id": sections[n // 5], "position": n % 5, "kind": kind,
            "prompt": self.text(9)[:500], "required": True, "settings": settings.get(kind, {})}
            for n, (q, kind) in enumerate(zip(questions, kinds, strict=True))))
        shape, option_rows = [], []
        for q, kind in zip(questions, kinds, strict=True):
            choice = kind in (K.SINGLE_CHOICE, K.MULTIPLE_CHOICE)
            options = list(self.new_ids(surveys.QuestionOption, 5)) if choice else []
            option_rows += [{"id": o, "question_id": q, "position": n, "label": self.text(3)[:200]}
                            for n, o in enumerate(options)]
            shape.append({"id": q, "kind": kind, "options": options})
        self.insert(surveys.QuestionOption, option_rows)
        self.survey_shape[survey_id] = shape
        return survey_id

    def answer(self, question: dict) -> dict:
        """One generated answer value (as answer-row columns) for a question of the bench shape."""
        kind = question["kind"]
        if kind == surveys.QuestionKind.SCALE:
            return {"number": float(self.random.choice((1, 2, 3, 3, 4, 4, 4, 5)))}
        if kind == surveys.QuestionKind.SHORT_TEXT:
            return {"text": self.text(6)}
        # Skewed choices, so the results have a shape: the first options are the popular ones.
        options = question["options"]
        return {"option_id": options[min(int(self.random.expovariate(0.8)), len(options) - 1)]}

    def survey_form(self, survey_id: int) -> dict[str, str]:
        """A generated submission of the answering form: one value per question, named as the form does."""
        form = {}
        for question in self.survey_shape[survey_id]:
            value = next(iter(self.answer(question).values()))
            form[f"q{question['id']}"] = str(int(value)) if isinstance(value, float) else str(value)
        return form

    def load_results_survey(self, responses: int) -> None:
        """A survey with `responses` web responses of 10 answers each, and their participation ledger."""
        survey_id = self.load_survey(self.ids["surveys"], f"Risultati con {responses} risposte")
        self.results_surveys[responses] = survey_id
        shape = self.survey_shape[survey_id]
        response_ids = self.new_ids(surveys.Response, responses)
        self.insert(surveys.Response, ({"id": r, "survey_id": survey_id, "channel": surveys.Channel.WEB,
                                        "submitted_at": self.now - dt.timedelta(seconds=r % 864000)}
                                       for r in response_ids))
        answer_ids = iter(self.new_ids(surveys.Answer, responses * len(shape)))
        self.insert(surveys.Answer, ({"id": next(answer_ids), "response_id": r, "question_id": q["id"],
                                      **self.answer(q)} for r in response_ids for q in shape))
        self.insert(surveys.Participation, ({"id": secrets.token_hex(16), "survey_id": survey_id,
                                             "token_hash": secrets.token_hex(32), "answered_on": self.today}
                                            for _ in response_ids))
