"""A walk run one item ahead in a thread: same items, same order, same errors, and it stops."""

import pytest

from learning_platform.lib.prefetch import prefetched


def test_items_arrive_in_order_and_all_of_them():
    assert list(prefetched(iter(range(100)), depth=2)) == list(range(100))


def test_an_error_in_the_walk_is_raised_to_the_consumer_after_the_items_before_it():
    def walk():
        yield 1
        yield 2
        raise ValueError("page 3 is garbled")

    received = []
    with pytest.raises(ValueError, match="page 3"):
        for item in prefetched(walk()):
            received.append(item)
    assert received == [1, 2]


def test_a_consumer_that_stops_early_stops_the_walk_and_closes_it():
    """A failed write must not leave a thread fetching the rest of the day."""
    state = {"fetched": 0, "closed": False}

    def walk():
        try:
            for number in range(1_000_000):
                state["fetched"] += 1
                yield number
        finally:
            state["closed"] = True

    for item in prefetched(walk(), depth=2):
        if item == 3:
            break
    assert state["closed"]
    assert state["fetched"] < 10
