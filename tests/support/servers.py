"""Real servers for tests, all on 127.0.0.1: an SMTP sink, the app in a thread, the app under gunicorn."""
from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class SmtpSink:
    """aiosmtpd listening on a free loopback port; `messages` holds what it received, parsed."""

    def __init__(self):
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        with self._collector.lock:
            return list(self._collector.messages)

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def messages_to(self, address: str):
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text_of(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


class ThreadedServer:
    """The test app served by werkzeug in a thread (for the browser tests)."""

    def __init__(self, app):
        self.port = free_port()
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


class GunicornServer:
    """The real production server with several worker processes, against the test database."""

    def __init__(self, instance_path: Path, database_url: str, secret_key: str, workers: int = 4,
                 extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CIVIC_INSTANCE_PATH": str(instance_path),
            "CIVIC_DATABASE_URL": database_url,
            "CIVIC_SECRET_KEY": secret_key,
            "CIVIC_BASE_URL": "http://localhost",
            "CIVIC_RATELIMIT_ENABLED": "0",
            **(extra_env or {}),
        }
        self.workers = workers
        self.process: subprocess.Popen | None = None
        # The servers' log goes to a file: a pipe nobody reads would block them once full.
        self._log = tempfile.NamedTemporaryFile(prefix="civic-gunicorn-", suffix=".log")

    def log(self) -> str:
        """Everything the server and its workers have written to standard error so far."""
        return Path(self._log.name).read_text(errors="replace")

    def start(self, timeout: float = 90):  # four workers importing the app on a busy two-core machine
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--log-level", "warning", "civic.wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.log()[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within the time limit")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
