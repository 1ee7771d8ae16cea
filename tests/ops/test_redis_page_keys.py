"""The page cache's generations per object and list in Redis: a move changes only the names it moves, and none
goes back, when Redis restarts empty or comes back from an older snapshot, for this process or a new one."""
from __future__ import annotations

import time

import redis

from civic.core.pagecache import RedisGeneration

NAMES = ("base", "survey:1", "survey:2", "motions")


def test_a_move_changes_only_its_names(redis_server):
    store = RedisGeneration(redis_server.url)
    before = store.current(NAMES)
    store.bump(("survey:1", "motions"))
    after = store.current(NAMES)
    assert after[0] == before[0] and after[2] == before[2]
    assert after[1] > before[1] and after[3] > before[3]


def test_no_generation_goes_back_after_redis_restarts_empty_or_from_an_older_snapshot(redis_server):
    store = RedisGeneration(redis_server.url)
    old = store.current(NAMES)
    store.bump(("survey:1",))
    kept = store.current(NAMES)  # a page kept under these
    redis_server.stop()
    redis_server.start()  # empty
    time.sleep(1.1)  # past the pause after the failure
    again = store.current(NAMES)
    assert all(now > then for now, then in zip(again, kept, strict=True))
    newcomer = RedisGeneration(redis_server.url).current(NAMES)  # a process started after the restart
    assert all(now >= then for now, then in zip(newcomer, again, strict=True))

    client = redis.Redis.from_url(redis_server.url)
    client.set("civic:page-generation:survey:1", old[1])  # restored from an older snapshot
    assert store.current(("survey:1",))[0] > again[1]
