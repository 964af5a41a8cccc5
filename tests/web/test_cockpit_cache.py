"""The cockpit's kept answers: fresh ones are reused, stale ones are given at once and refreshed in the background,
a question under way is not computed twice, and a cache of 0 s computes every time."""

from __future__ import annotations

import threading
import time

from citybrain.web.answer_cache import AnswerCache


class Counter:
    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self) -> int:
        time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            return self.calls


def test_a_fresh_answer_is_reused() -> None:
    cache, compute = AnswerCache(60), Counter()
    assert [cache.get(("q",), compute) for _ in range(3)] == [1, 1, 1]
    assert cache.get(("other",), compute) == 2
    cache.close()


def test_a_stale_answer_is_given_at_once_and_refreshed_behind() -> None:
    cache, compute = AnswerCache(0.05, keep=60), Counter()
    assert cache.get(("q",), compute) == 1
    time.sleep(0.1)
    assert cache.get(("q",), compute) == 1  # stale: the kept answer, a new one under way
    deadline = time.monotonic() + 10
    while cache.get(("q",), compute) != 2:  # the refreshed answer replaces the kept one
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cache.close()


def test_an_answer_too_old_to_keep_is_computed_again() -> None:
    cache, compute = AnswerCache(0.01, keep=0.02), Counter()
    assert cache.get(("q",), compute) == 1
    time.sleep(0.05)
    assert cache.get(("q",), compute) == 2
    cache.close()


def test_a_question_under_way_is_not_computed_twice() -> None:
    cache, compute = AnswerCache(60), Counter(delay=0.2)
    cache.warm(("q",), compute)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(("q",), compute))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [1, 1, 1, 1]
    assert compute.calls == 1
    cache.close()


def test_no_cache_computes_every_time() -> None:
    cache, compute = AnswerCache(0), Counter()
    cache.warm(("q",), compute)
    assert [cache.get(("q",), compute) for _ in range(2)] == [1, 2]
    cache.close()
