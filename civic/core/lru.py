"""One small per-process LRU map shared by threads, for the caches that keep a few recent things per worker
(rendered pages, survey shapes, results aggregates)."""
from __future__ import annotations

import threading
from collections import OrderedDict


class LRU:
    """The most recently used entries, at most `size` (or the size given to put); get and put under a lock."""

    def __init__(self, size: int = 32):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key, value, size: int | None = None) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > (size or self.size):
                self.entries.popitem(last=False)

    def discard(self, key) -> None:
        with self.lock:
            self.entries.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
