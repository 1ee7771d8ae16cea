"""Small values every server process of the site can read, beside the page cache's generations
(civic/core/pagecache.py) and where they are: files in the instance folder on one machine, Redis with
CIVIC_REDIS_URL for several. What is put here is already sealed by its owner (civic/accounts/people.py seals a
signed-in citizen with a key only their session cookie gives): the shelf stores opaque bytes by name.

- A value lasts at most `seconds`, and is never needed: a value missing, unreadable or expired is read again
  at its source. So a failure of the shelf (a full disk, Redis not answering) costs speed, never an error.
- Files: one per name, readable by the server's user only, each value written over the last in place with
  its length first. A file is never truncated, replaced or renamed while it is in use: on a file system that
  discards freed blocks (ext4 mounted with `discard`, as measured), each truncation or new file costs 0.1 to
  0.3 ms of CPU, as much as a statement; an overwrite costs 6 µs. A reader that meets a value half written
  (two processes writing one person at once) gets bytes that do not open (they are sealed) and reads at the
  source. A file older than the longest time a value may last is not read, and at most once a minute a
  process that writes one deletes those.
- Redis: one key per name with its expiry, asked as the generations are (a Redis that does not answer is left
  alone for a second; civic.core.pagecache.RedisGeneration).
"""
from __future__ import annotations

import logging
import os
import time

import redis

log = logging.getLogger(__name__)

REDIS_PREFIX = "civic:shelf:"
_LENGTH = 4  # bytes of a file's value length, before the value


class FileShelf:
    """Values as files in a folder of the instance folder, shared by the processes of one machine."""

    SWEEP_EVERY = 60.0

    def __init__(self, path: str, longest: float):
        self.path = path
        self.longest = longest  # the longest time a value may last, in seconds: older files are swept
        os.makedirs(path, mode=0o700, exist_ok=True)
        self._swept = time.monotonic()
        self._warned = False

    def get(self, name: str) -> bytes | None:
        """The value, or None when there is none, it is cut short, or it is older than the longest a value
        may last (a quiet site may not have swept it yet)."""
        try:
            with open(os.path.join(self.path, name), "rb") as kept:
                if os.fstat(kept.fileno()).st_mtime < time.time() - self.longest:
                    return None
                record = kept.read()
        except OSError:
            return None
        size = int.from_bytes(record[:_LENGTH], "big")
        value = record[_LENGTH:_LENGTH + size]
        return value if len(record) >= _LENGTH and len(value) == size else None

    def put(self, name: str, value: bytes, seconds: float) -> None:
        """Keep `value` under `name`; `seconds` is bounded by the shelf's longest (files carry no expiry of
        their own: the owner seals its end into the value)."""
        # Over the last value, with the length first: what an older, longer value left after it is ignored.
        record = len(value).to_bytes(_LENGTH, "big") + value
        try:
            handle = os.open(os.path.join(self.path, name), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                written = os.pwrite(handle, record, 0)
            finally:
                os.close(handle)
            if written != len(record):
                raise OSError("written short")
        except OSError as error:
            if not self._warned:  # once per process: a full disk would say it at every page
                log.warning("shelf: could not keep a value in %s (%s); values are read at their source",
                            self.path, type(error).__name__)
                self._warned = True
        if time.monotonic() - self._swept > self.SWEEP_EVERY:
            self.sweep()

    def sweep(self, now: float | None = None) -> int:
        """Delete the files older than the longest a value may last; returns how many."""
        self._swept = time.monotonic()
        oldest = (time.time() if now is None else now) - self.longest
        removed = 0
        try:
            entries = list(os.scandir(self.path))
        except OSError:
            return 0
        for entry in entries:
            try:
                if entry.stat().st_mtime < oldest:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue  # another process swept it first
        return removed

    def clear(self) -> None:
        self.sweep(now=float("inf"))


class RedisShelf:
    """Values as Redis keys with their expiry, shared by every machine of the site; asked through the
    generations' store, which leaves a Redis that did not answer alone for a second."""

    def __init__(self, generation, longest: float):
        self.generation = generation  # a civic.core.pagecache.RedisGeneration
        self.client = generation.client
        self.longest = longest

    def get(self, name: str) -> bytes | None:
        try:
            return self.generation.ask(lambda: self.client.get(REDIS_PREFIX + name))
        except Exception:  # noqa: BLE001 (unavailable: read at the source)
            return None

    def put(self, name: str, value: bytes, seconds: float) -> None:
        ttl = max(1, int(min(seconds, self.longest)))
        try:
            self.generation.ask(lambda: self.client.set(REDIS_PREFIX + name, value, ex=ttl))
        except Exception:  # noqa: BLE001 (unavailable: the next read goes to the source)
            return

    def clear(self) -> None:
        try:
            keys = list(self.client.scan_iter(match=REDIS_PREFIX + "*", count=500))
            if keys:
                self.client.delete(*keys)
        except redis.RedisError:
            return
