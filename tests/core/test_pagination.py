"""Every list is cut into pages by civic.core.pagination: two queries a page (the rows and the count), links
to the pages around the current one, a cap on page numbers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civic.bodies.models import Body
from civic.core.pagination import Page, paginate
from tests.factories import make_body, make_user


@pytest.fixture
def bodies(app_ctx):
    for n in range(1, 48):
        make_body(slug=f"comune-{n:02d}", name=f"Comune {n:02d}")


def page_of(app, url: str, per_page: int = 5) -> Page:
    with app.test_request_context(url):
        return paginate(select(Body).order_by(Body.slug), per_page=per_page)


def test_a_page_holds_its_rows_and_knows_its_neighbours(app, bodies, count_queries):
    with count_queries() as counter:
        page = page_of(app, "/?page=3")
    assert counter.count == 2, counter.statements
    assert [body.name for body in page] == [f"Comune {n}" for n in range(11, 16)]
    assert (page.page, page.per_page, page.total, page.pages) == (3, 5, 47, 10)
    assert (page.has_prev, page.prev_num, page.has_next, page.next_num) == (True, 2, True, 4)
    last = page_of(app, "/?page=10")
    assert [body.name for body in last.items] == ["Comune 46", "Comune 47"] and last.next_num is None


def test_page_links_show_the_ends_and_the_pages_around_the_current_one(app, bodies):
    links = dict(left_edge=1, left_current=2, right_current=2, right_edge=1)  # as templates/_pagination.html
    assert list(page_of(app, "/?page=1").iter_pages(**links)) == [1, 2, 3, None, 10]
    assert list(page_of(app, "/?page=6").iter_pages(**links)) == [1, None, 4, 5, 6, 7, 8, None, 10]
    assert list(page_of(app, "/?page=9").iter_pages(**links)) == [1, None, 7, 8, 9, 10]
    assert list(page_of(app, "/?page=1", per_page=50).iter_pages(**links)) == [1]


@pytest.mark.parametrize("argument, number", [("abc", 1), ("-4", 1), ("0", 1), ("", 1), ("11", 11)])
def test_a_malformed_or_past_the_end_page_number_is_never_an_error(app, bodies, argument, number):
    page = page_of(app, f"/?page={argument}")
    assert page.page == number and page.total == 47
    assert len(page.items) == (0 if number > 10 else 5)


def test_an_empty_list_has_no_pages_and_no_links(app, app_ctx):
    page = page_of(app, "/")
    assert (page.items, page.total, page.pages, page.has_next, page.has_prev) == ([], 0, 0, False, False)
    assert list(page.iter_pages()) == []


def test_the_account_list_links_its_pages_keeping_the_search(app, client, auth, app_ctx):
    make_user(email="admin@example.org", admin=True)
    for n in range(45):
        make_user(email=f"rossi{n:02d}@example.org", name=f"Mario Rossi {n:02d}")
    auth.login("admin@example.org")
    html = client.get("/manage/admin/users?q=rossi&page=2").get_data(as_text=True)
    links = re.findall(r'href="/manage/admin/users\?([^"]+)"', html)
    assert any("page=3" in link and "q=rossi" in link for link in links)
    assert 'aria-current="page"><span class="visually-hidden">Pagina </span>2</a>' in html
    assert client.get("/manage/admin/users?page=501").status_code == 404
