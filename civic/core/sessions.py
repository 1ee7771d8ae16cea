"""The signed cookie session (Flask's), with each cookie's check and decoding done once per process.

A signed-in person's browser sends the same session cookie with every request until the session changes (the
idle clock's minute, a flashed message): checking its signature, inflating and decoding it cost about 65 µs
a request, a twentieth of a signed-in page. Here a cookie, once checked, is kept by its exact text with what
it holds and when it was signed; the next request that sends the same text gets a copy of it, as long as its
age is still under the session's lifetime. Nothing else changes: a cookie that was never checked (altered,
signed with another key, expired) is checked as Flask does it, and refused as Flask refuses it.

Whether the login behind it is still alive is not the cookie's to say: that is read at each request as
before (civic/accounts/people.py, civic/accounts/services.py)."""
from __future__ import annotations

import copy
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from civic.core.lru import LRU

# At most this many cookies kept per process (the most recently seen; a few hundred bytes each).
COOKIES_KEPT = 4096


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session; a cookie already checked by this process is not checked again."""

    def __init__(self, entries: int = COOKIES_KEPT):
        self.checked = LRU(entries)
        self._serializer = (None, None)  # (the keys it signs with, the serializer)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made_for, serializer = self._serializer
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
            self.checked.clear()  # another key: what was checked with the old one is checked again
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self.checked.get(value)
        if found is not None:
            data, signed_at = found
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(copy.deepcopy(data))
            self.checked.discard(value)
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self.checked.put(value, (copy.deepcopy(data), int(signed.timestamp())))
        return self.session_class(data)
