"""When a walk's pages go in flight: the share of its time the process spent on a CPU."""

from __future__ import annotations

import pytest

from learning_platform.lib.in_flight import Pace


class Clocks:
    """A wall clock and a CPU clock that move only when told."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def page(self, wall: float, cpu: float) -> None:
        self.wall += wall
        self.cpu += cpu


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def pace(clocks: Clocks) -> Pace:
    return Pace(wall=lambda: clocks.wall, cpu=lambda: clocks.cpu)


def test_a_page_mostly_waited_for_sends_the_rest_in_flight(clocks):
    walk = pace(clocks)
    clocks.page(wall=0.300, cpu=0.010)  # 300 ms away, 10 ms of work
    assert walk.waiting()


def test_a_page_that_kept_the_process_busy_keeps_the_walk_sequential(clocks):
    walk = pace(clocks)
    clocks.page(wall=0.010, cpu=0.009)  # loopback: the answer is there, the work is ours
    assert not walk.waiting()


def test_half_and_half_is_not_waiting(clocks):
    walk = pace(clocks)
    clocks.page(wall=0.020, cpu=0.010)
    assert not walk.waiting()


def test_one_slow_answer_among_busy_pages_is_no_trend(clocks):
    walk = pace(clocks)
    for _ in range(Pace.PAGES - 1):
        clocks.page(wall=0.010, cpu=0.009)
        assert not walk.waiting()
    clocks.page(wall=0.040, cpu=0.009)  # a cold cache upstream, once
    assert not walk.waiting()


def test_an_upstream_that_slows_down_mid_walk_is_noticed_within_a_few_pages(clocks):
    walk = pace(clocks)
    for _ in range(50):
        clocks.page(wall=0.010, cpu=0.009)
        assert not walk.waiting()
    waited_for = []
    for _ in range(Pace.PAGES):
        clocks.page(wall=0.300, cpu=0.010)
        waited_for.append(walk.waiting())
    assert waited_for[-1], "the last pages were waited for, whatever came long before"
