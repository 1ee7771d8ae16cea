"""The public summary: small groups never shown, nor recoverable from the totals the page prints."""
from __future__ import annotations

from sqlalchemy import insert

from civic.database import db, utcnow
from civic.interest.models import Budget, Declaration, Horizon, InterestCall, Profile, Role
from tests.core_disclosure.test_disclosure import T, possible_values
from tests.interest.factories import make_people
from tests.interest.pages import table

EN = {"lang": "en"}
# (profile, role, area index or None, how many): freelance managers are 3, people by the station are 3.
GROUPS = [
    (Profile.FREELANCE, Role.USER, 0, 20), (Profile.FREELANCE, Role.MANAGER, 2, 3),
    (Profile.FREELANCE, Role.BOTH, 2, 6), (Profile.VAT_HOLDER, Role.USER, 0, 12),
    (Profile.VAT_HOLDER, Role.BOTH, None, 7), (Profile.STUDENT, Role.USER, 1, 3),
    (Profile.STUDENT, Role.USER, None, 5),
]


def declare(call_id: int, groups) -> None:
    call = db.session.get(InterestCall, call_id)
    areas = [area.id for area in call.areas]
    people = iter(make_people(sum(group[-1] for group in groups)))
    now = utcnow()
    db.session.execute(insert(Declaration), [
        {"call_id": call_id, "user_id": next(people), "role": role, "profile": profile, "days_per_week": 3,
         "area_id": areas[area] if area is not None else None, "budget": Budget.UP_TO_50,
         "horizon": Horizon.NOW, "manager_experience": "x" if role != Role.USER else "", "manager_offer": "",
         "notes": "", "sector": "", "contact_consent": False, "created_at": now, "updated_at": now}
        for profile, role, area, count in groups for _ in range(count)
    ])
    db.session.commit()


def published(cells: dict) -> dict:
    """What a reader learns of each cell: a number, "small" (1 to T-1) or "hidden"."""
    out = {}
    for key, text in cells.items():
        if text.startswith("<"):
            assert text == f"< {T}"
            out[key] = "small"
        elif text == "—":
            out[key] = "hidden"
        else:
            out[key] = int(text.replace(",", ""))
    return out


class Published:
    """A Suppression-like view of a page, for the independent solver of tests/core_disclosure."""

    def __init__(self, shown):
        self.shown = shown

    def hidden(self, key):
        return not isinstance(self.shown[key], int)

    def state(self, key):
        return {"small": "small", "hidden": "hidden"}.get(self.shown[key], "shown")


def test_a_group_of_three_is_never_shown_nor_recoverable(client, call, in_app):
    with in_app():
        declare(call.id, GROUPS)
    html = client.get(f"/interest/{call.id}/summary", query_string=EN).get_data(as_text=True)
    assert "56 declarations of interest" in html

    # The profile x role table with its totals.
    rows = table(html, "profile-role")
    header, body, footer = rows[0], rows[1:-1], rows[-1]
    assert header[1:] == ["Future user", "Possible manager", "Both user and manager", "Total"]
    profiles = [row[0] for row in body]
    text = {}
    for i, row in enumerate(body):
        for j, cell in enumerate(row[1:4]):
            text[(i, j)] = cell
        text[(i, None)] = row[4]
    for j, cell in enumerate(footer[1:4]):
        text[(None, j)] = cell
    text[(None, None)] = footer[4]
    freelance_manager = (profiles.index("Freelance professional"), 1)
    assert text[freelance_manager] == f"< {T}"

    true = {key: 0 for key in text}
    for profile, role, _area, count in GROUPS:
        i, j = profiles.index(str({Profile.FREELANCE: "Freelance professional",
                                   Profile.VAT_HOLDER: "VAT holder",
                                   Profile.STUDENT: "Student"}[profile])), list(Role).index(role)
        for key in ((i, j), (i, None), (None, j), (None, None)):
            true[key] += count
    shown = published(text)
    for key, value in shown.items():
        assert value == true[key] or not isinstance(value, int), key  # what is printed is right
        if 0 < true[key] < T:
            assert value in ("small", "hidden"), key  # every small group is hidden
    equations = [{**{(i, j): 1 for j in range(3)}, (i, None): -1} for i in list(range(len(body))) + [None]]
    equations += [{**{(i, j): 1 for i in range(len(body))}, (None, j): -1} for j in list(range(3)) + [None]]
    view = Published(shown)
    for key, value in true.items():
        if 0 < value < T:
            assert len(possible_values(true, equations, view, key)) >= 2, f"{key} = {value} can be worked out"

    # The one-way breakdown by area: Stazione has 3.
    areas = {row[0]: row[1] for row in table(html, "summary-area")[1:]}
    assert areas["Stazione"] == f"< {T}"
    counts = {"Centro storico": 32, "Stazione": 3, "Biblioteca Civica": 9, "No preference": 12}
    names = list(counts)
    cells = {**{i: areas[name] for i, name in enumerate(names)}, None: areas["Total"]}
    view = Published(published(cells))
    true = {**dict(enumerate(counts.values())), None: 56}
    equations = [{**{i: 1 for i in range(len(names))}, None: -1}]
    assert len(possible_values(true, equations, view, names.index("Stazione"))) >= 2
    assert ">3<" not in html.split('id="summary-area"')[1].split("</table>")[0]


def test_below_the_threshold_nothing_is_published(client, call, in_app):
    with in_app():
        declare(call.id, [(Profile.STUDENT, Role.USER, 0, 4)])
    html = client.get(f"/interest/{call.id}/summary", query_string=EN).get_data(as_text=True)
    assert "Fewer than 5 declarations so far" in html and 'id="profile-role"' not in html
    with in_app():
        slug = db.session.get(InterestCall, call.id).consultation.slug
    page = client.get(f"/consultations/{slug}/", query_string=EN).get_data(as_text=True)
    assert call.title in page and "Fewer than 5 declarations so far." in page


def test_the_threshold_follows_the_configuration(client, call, in_app, app):
    app.config["CIVIC_SMALL_CELL"] = 10
    with in_app():
        declare(call.id, GROUPS)
    html = client.get(f"/interest/{call.id}/summary", query_string=EN).get_data(as_text=True)
    areas = {row[0]: row[1] for row in table(html, "summary-area")[1:]}
    assert areas["Biblioteca Civica"] in ("< 10", "—")
