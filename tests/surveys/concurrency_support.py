"""Firing one form from many threads at once against a real server, for the race tests."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

TIMEOUT = 60
PARALLEL = 20


def token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def fire(url: str, cookies, data: dict) -> list[int]:
    """POST the same form from PARALLEL threads at once, each with its own connection and a copy of the
    browser's cookies (a double click, F5, several tabs)."""
    barrier = threading.Barrier(PARALLEL)

    def post(_n):
        with requests.Session() as session:
            session.cookies.update(cookies)
            barrier.wait(timeout=TIMEOUT)
            return session.post(url, data=data, allow_redirects=False, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(post, range(PARALLEL)))
