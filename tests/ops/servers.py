"""Servers of one test only, to stop and start at will without touching the machine's shared ones: a
PostgreSQL cluster made with initdb in a temporary folder, and a redis-server, each on a free loopback
port."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import redis

from tests.conftest import IN_CI, require_tool
from tests.support.servers import free_port


def _missing(what: str, why: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI ({why}) but was not found")
    pytest.skip(f"{what} not installed: {why}")


def postgres_binaries() -> Path:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl); skip when absent."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not folders:
        _missing("initdb (Debian: apt-get install postgresql)", "database outage tests run a private server")
    return Path(folders[-1]).parent


class PostgresCluster:
    """A PostgreSQL server made for one test: `start()`, `stop()` and `start()` again keep its data."""

    def __init__(self):
        self.bin = postgres_binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="civic-pg-"))
        self.data = self.folder / "data"
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres account
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                _missing("the postgres account", "PostgreSQL cannot run as root")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.prefix = [require_tool("runuser", "to run PostgreSQL as postgres"), "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--locale=C")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bin / program), *args], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> PostgresCluster:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c max_connections=40")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A redis-server for one test, keeping nothing on disk: stopped and started again, it is empty."""

    def __init__(self):
        self.program = require_tool("redis-server", "Redis outage tests run a private server")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="civic-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> RedisServer:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
