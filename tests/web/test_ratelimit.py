"""The public register's token buckets: a burst, then the average rate; each client its own
bucket; memory bounded however many addresses ask."""

from __future__ import annotations

import pytest

from belfort.settings import load_settings
from belfort.web.ratelimit import TokenBuckets, register_buckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_average_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=30, burst=10, max_keys=100, clock=clock)
    assert [buckets.take("a") for _ in range(10)] == [0.0] * 10
    assert buckets.take("a") == pytest.approx(2.0)  # 30 a minute: one every 2 seconds
    clock.now += 1.0
    assert buckets.take("a") == pytest.approx(1.0)
    clock.now += 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(2.0)


def test_a_refused_request_spends_nothing_and_a_quiet_client_refills_to_the_burst() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=60, burst=2, max_keys=100, clock=clock)
    assert [buckets.take("a") for _ in range(5)] == [0.0, 0.0, *[pytest.approx(1.0)] * 3]
    clock.now += 3600
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


def test_each_client_has_its_own_bucket_and_memory_stays_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=1, burst=1, max_keys=3, clock=clock)
    assert buckets.take("a") == 0.0
    assert buckets.take("b") == 0.0
    assert buckets.take("a") > 0
    for key in ("c", "d", "e"):
        buckets.take(key)
    assert len(buckets) == 3
    assert buckets.take("a") == 0.0  # forgotten as the longest quiet, so it starts afresh


def test_the_limit_comes_from_the_register_section_of_the_settings() -> None:
    settings = load_settings(environ={"BELFORT_REGISTER__BURST": "2", "BELFORT_REGISTER__REQUESTS_PER_MINUTE": "6"})
    buckets = register_buckets(settings.public_register)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, pytest.approx(10.0, abs=0.01)]
