"""When a walk's pages go in flight (the share of its time the process spent on a CPU), and how
many it holds once they do."""

from __future__ import annotations

import threading

import pytest

from learning_platform.lib.http import RequestStats
from learning_platform.lib.in_flight import InFlight, Pace, fetch_in_order, total_now


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


# Fetching in order -------------------------------------------------------------------------------


class Upstream:
    """A fetch whose answers come when the test says: request 0 waits for `release`, the others
    answer at once. It notes how many requests were being answered at once, and which were sent
    before request 0 was answered."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.answering = 0
        self.most_at_once = 0
        self.sent_while_first_waited: list[int] = []
        self.six_sent = threading.Event()

    def fetch(self, request: int, stats: RequestStats) -> str:
        with self.lock:
            self.answering += 1
            self.most_at_once = max(self.most_at_once, self.answering)
            if not self.release.is_set():
                self.sent_while_first_waited.append(request)
                if len(self.sent_while_first_waited) == 6:
                    self.six_sent.set()
        try:
            if request == 0:
                assert self.release.wait(timeout=30), "the test never answered request 0"
            return f"page {request}"
        finally:
            with self.lock:
                self.answering -= 1


def test_pages_after_a_slow_one_keep_coming_up_to_what_may_be_held():
    """With 4 in flight a walk holds up to 6 pages: while the first page is slow, five more are
    fetched (no more than 4 requests at once), and none beyond them until the first is in."""
    upstream = Upstream()
    in_flight = InFlight(4)
    assert in_flight.held == 6
    pages = fetch_in_order(range(20), upstream.fetch, in_flight, RequestStats())
    handed_on: list[tuple[int, str]] = []
    walk = threading.Thread(target=lambda: handed_on.extend(pages))
    walk.start()

    assert upstream.six_sent.wait(timeout=30)
    assert handed_on == []  # page 0 is not in: nothing after it is handed on
    upstream.release.set()
    walk.join(timeout=30)

    assert handed_on == [(number, f"page {number}") for number in range(20)]
    assert sorted(upstream.sent_while_first_waited) == [0, 1, 2, 3, 4, 5]
    assert upstream.most_at_once <= 4


def test_a_walk_holds_half_as_many_pages_again_as_it_has_in_flight():
    assert [InFlight(limit).held for limit in (1, 2, 4, 8)] == [1, 3, 6, 12]
    halved = InFlight(8)
    halved.throttled()
    assert (halved.limit, halved.held) == (4, 6)


def test_a_total_in_flight_is_the_largest_announced_and_one_at_a_time_the_latest():
    assert total_now(30, 25, in_flight=True) == 30  # answered before the total grew
    assert total_now(25, 30, in_flight=True) == 30
    assert total_now(30, 25, in_flight=False) == 25  # one at a time, the latest page's word
    assert total_now(None, 25, in_flight=True) == 25
    assert total_now(5, None, in_flight=True) is None  # a page that announced no total
