"""A real SMTP server for the outbox's fault tests (aiosmtpd on loopback) that can be stopped and started
again on the same port, refuse the next messages for a while, or hold the next message's DATA until the test
releases it."""
from __future__ import annotations

import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from tests.support.servers import free_port


class _Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list = []  # (message, the client's address) for each message the server took
        self.refused: list = []
        self.refuse = 0
        self.delay = 0.0
        self.hold: bool | None = None  # None: do not hold; True/False: accept/refuse the held message
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            hold, self.hold = self.hold, None
            refuse = self.refuse > 0
            self.refuse -= 1 if refuse else 0
        if hold is not None:
            self.held = message
            self.holding.set()
            while not self.release.is_set():  # the event loop keeps serving other connections meanwhile
                await asyncio.sleep(0.02)
            if not hold:
                return "451 4.3.0 not taken: try again later"
        elif refuse:
            with self.lock:
                self.refused.append(message)
            return "451 4.3.0 not taken: try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.accepted.append((message, session.peer))
        return "250 OK"


class FaultySink:
    """aiosmtpd on a loopback port that stays the same across stop() and start()."""

    def __init__(self):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.handler = _Handler()
        self._controller: Controller | None = None

    def start(self) -> FaultySink:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.handler.release.set()
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list:
        """The messages the server accepted, in order."""
        with self.handler.lock:
            return [message for message, _ in self.handler.accepted]

    @property
    def connections(self) -> set:
        """The client addresses (host, port) that delivered at least one accepted message."""
        with self.handler.lock:
            return {peer for _, peer in self.handler.accepted}

    @property
    def refused(self) -> list:
        with self.handler.lock:
            return list(self.handler.refused)

    def refuse_next(self, count: int) -> None:
        """Answer the next `count` messages with a temporary error (451)."""
        with self.handler.lock:
            self.handler.refuse = count

    def slow_down(self, seconds: float) -> None:
        """Take this long over each message, so that several workers are at work at the same time."""
        self.handler.delay = seconds

    def hold_next(self, accept: bool) -> None:
        """Keep the next message's DATA unanswered until release(), then accept it (250) or not (451)."""
        self.handler.release.clear()
        self.handler.holding.clear()
        with self.handler.lock:
            self.handler.hold = accept

    def wait_until_holding(self, timeout: float = 60) -> None:
        assert self.handler.holding.wait(timeout), "no message reached the SMTP server's DATA in time"

    @property
    def held(self):
        """The message whose DATA was held."""
        return self.handler.held

    def release(self) -> None:
        self.handler.release.set()
