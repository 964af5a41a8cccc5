"""The sliding-window limiter behind the portal's submission limit, on a clock the test moves."""

from __future__ import annotations

import pytest

from citybrain.web.ratelimit import Refused, SlidingWindow, Slot

HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def taken(limiter: SlidingWindow, key: str, times: int) -> list[Slot | Refused]:
    return [limiter.take(key) for _ in range(times)]


def test_limit_events_pass_then_the_next_is_refused_until_the_oldest_leaves(clock: Clock) -> None:
    limiter = SlidingWindow(3, HOUR, now=clock)
    for step in (0, 10, 20):
        clock.now = 1000 + step
        assert isinstance(limiter.take("a"), Slot)
    clock.now = 1030
    assert limiter.take("a") == Refused(int(HOUR) - 30)  # the event at 1000 leaves at 4600
    clock.now = 1000 + HOUR - 0.5
    assert limiter.take("a") == Refused(1)  # rounded up, never 0
    clock.now = 1000 + HOUR  # the window slides: the first event is out, one slot is free
    assert isinstance(limiter.take("a"), Slot)
    assert limiter.take("a") == Refused(10)  # next to leave: the event at 1010


def test_the_window_slides_rather_than_resetting_on_the_hour(clock: Clock) -> None:
    limiter = SlidingWindow(2, HOUR, now=clock)
    clock.now = HOUR - 1  # two events just before an hour boundary …
    assert all(isinstance(t, Slot) for t in taken(limiter, "a", 2))
    clock.now = HOUR + 1  # … do not allow two more just after it
    assert isinstance(limiter.take("a"), Refused)


def test_keys_have_separate_budgets(clock: Clock) -> None:
    limiter = SlidingWindow(1, HOUR, now=clock)
    assert isinstance(limiter.take("a"), Slot)
    assert isinstance(limiter.take("a"), Refused)
    assert isinstance(limiter.take("b"), Slot)


def test_a_slot_given_back_is_free_again(clock: Clock) -> None:
    limiter = SlidingWindow(2, HOUR, now=clock)
    first = limiter.take("a")
    assert isinstance(first, Slot)
    clock.now += 5
    second = limiter.take("a")
    assert isinstance(second, Slot)
    assert isinstance(limiter.take("a"), Refused)
    limiter.give_back(second)
    assert isinstance(limiter.take("a"), Slot)
    limiter.give_back(first)
    limiter.give_back(first)  # twice: the second time there is nothing left to give back
    assert isinstance(limiter.take("a"), Slot)
    assert isinstance(limiter.take("a"), Refused)


def test_giving_back_a_slot_that_has_left_the_window_changes_nothing(clock: Clock) -> None:
    limiter = SlidingWindow(1, HOUR, now=clock)
    old = limiter.take("a")
    assert isinstance(old, Slot)
    clock.now += HOUR
    fresh = limiter.take("a")
    assert isinstance(fresh, Slot)
    limiter.give_back(old)
    assert isinstance(limiter.take("a"), Refused)


def test_addresses_whose_window_has_passed_are_forgotten(clock: Clock) -> None:
    limiter = SlidingWindow(5, HOUR, now=clock)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert limiter.keys() == 1000
    clock.now += HOUR / 2
    limiter.take("late")
    assert limiter.keys() == 1001  # still inside their window: remembered
    clock.now += HOUR / 2 + 1
    limiter.take("new")
    assert limiter.keys() == 2  # "late" (half an hour old) and "new"; the thousand are gone
    clock.now += HOUR
    limiter.take("newer")
    assert limiter.keys() == 1


def test_a_key_given_back_completely_is_forgotten(clock: Clock) -> None:
    limiter = SlidingWindow(3, HOUR, now=clock)
    slot = limiter.take("a")
    assert isinstance(slot, Slot)
    limiter.give_back(slot)
    assert limiter.keys() == 0


def test_zero_means_no_limit_and_remembers_nothing(clock: Clock) -> None:
    limiter = SlidingWindow(0, HOUR, now=clock)
    results = taken(limiter, "a", 1000)
    assert all(isinstance(t, Slot) for t in results)
    assert limiter.keys() == 0
    first = results[0]
    assert isinstance(first, Slot)
    limiter.give_back(first)  # harmless


@pytest.mark.parametrize(("limit", "window"), [(-1, HOUR), (3, 0.0), (3, -1.0)])
def test_nonsense_is_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        SlidingWindow(limit, window)
