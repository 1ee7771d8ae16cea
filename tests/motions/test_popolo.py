"""Open data: /motions/<id>.json and /motions.json in the Popolo format (Motion with the VoteEvent embedded,
counts for yes/no/abstain/absent), valid against the Popolo JSON Schemas (draft 3, $refs by URL)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from civic.database import db
from civic.motions.models import Milestone, MotionStatus, RollCallVote, VoteOption
from tests.conftest import shared_dir
from tests.factories import make_body
from tests.motions.factories import make_motion


@pytest.fixture(scope="module")
def popolo():
    """(validator for a Motion, the schemas) from ../shared/schemas/popolo."""
    folder = shared_dir("schemas", "popolo")
    schemas = {path.stem: json.loads(path.read_text()) for path in folder.glob("*.json")}
    registry = Registry().with_resources(
        (schema["id"].rstrip("#"), Resource.from_contents(schema, default_specification=DRAFT3))
        for schema in schemas.values()
    )
    return Draft3Validator(schemas["motion"], registry=registry,
                           format_checker=Draft3Validator.FORMAT_CHECKER)


def _errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def motions(app):
    with app.app_context():
        genova = make_body("comune-di-genova", "Comune di Genova")
        levante = make_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
        counted = make_motion(levante, "Mozione con i voti", status=MotionStatus.APPROVED,
                              identifier="12/2013", voted_on=dt.date(2013, 5, 16),
                              votes_for=12, votes_against=3, votes_abstain=1,
                              votes_absent=None, proposers=("Walter Vassallo", "Anna Bianchi"))
        counted.roll_call.extend([RollCallVote(voter_name="Anna Bianchi", option=VoteOption.YES),
                                  RollCallVote(voter_name="Mario Rossi", option=VoteOption.NO)])
        counted.milestones.append(Milestone(title="Tavolo di lavoro", due_on=None, done=False))
        outcome_only = make_motion(levante, "Mozione senza conteggi", status=MotionStatus.APPROVED,
                                   filed_on=None, voted_on=dt.date(2013, 5, 16))
        pending = make_motion(genova, "Mozione depositata")
        draft = make_motion(genova, "Bozza segreta", status=MotionStatus.DRAFT)
        db.session.commit()
        return {"counted": counted.id, "outcome_only": outcome_only.id, "pending": pending.id,
                "draft": draft.id, "levante": levante.id}


def test_motion_json_is_valid_popolo_with_vote_counts(client, motions, popolo):
    data = client.get(f"/motions/{motions['counted']}.json").json
    assert _errors(popolo, data) == []
    assert data["organization"] == {"id": "municipio-ix-levante", "name": "Municipio IX Levante",
                                    "classification": "council", "parent_id": "comune-di-genova"}
    assert data["identifier"] == "12/2013" and data["result"] == "pass" and data["status"] == "approved"
    assert data["creator"] == {"name": "Walter Vassallo"}
    assert [p["name"] for p in data["proposers"]] == ["Walter Vassallo", "Anna Bianchi"]
    [vote] = data["vote_events"]
    assert vote["start_date"] == "2013-05-16T00:00:00+02:00"
    # Absent is unknown here, so it is left out rather than reported as zero.
    assert vote["counts"] == [{"option": "yes", "value": 12}, {"option": "no", "value": 3},
                              {"option": "abstain", "value": 1}]
    assert {(v["voter"]["name"], v["option"]) for v in vote["votes"]} == {("Anna Bianchi", "yes"),
                                                                           ("Mario Rossi", "no")}
    assert data["milestones"] == [{"date": None, "title": "Tavolo di lavoro", "description": "",
                                   "done": False}]


def test_outcome_without_counts_and_pending_motions_are_valid_too(client, motions, popolo):
    outcome_only = client.get(f"/motions/{motions['outcome_only']}.json").json
    assert _errors(popolo, outcome_only) == []
    assert outcome_only["date"] is None
    assert outcome_only["vote_events"][0]["counts"] == []
    pending = client.get(f"/motions/{motions['pending']}.json").json
    assert _errors(popolo, pending) == [] and pending["vote_events"] == [] and pending["result"] is None


def test_list_json_validates_and_hides_drafts(client, motions, popolo):
    data = client.get("/motions.json").json
    assert data["total"] == 3 and data["page"] == 1
    assert ({m["id"] for m in data["motions"]}
            == {str(motions[k]) for k in ("counted", "outcome_only", "pending")})
    for motion in data["motions"]:
        assert _errors(popolo, motion) == []
    filtered = client.get(f"/motions.json?body={motions['levante']}&q=voti").json
    assert [m["title"] for m in filtered["motions"]] == ["Mozione con i voti"]


def test_the_schema_check_can_fail(popolo):
    """The validator really follows the $refs: a count that is not a number is refused."""
    bad = {"vote_events": [{"counts": [{"option": "yes", "value": "twelve"}]}]}
    assert _errors(popolo, bad)
