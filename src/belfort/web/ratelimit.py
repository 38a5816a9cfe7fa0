"""Rate limits for pages anyone may open without signing in (the public camera register).

One token bucket per client address (an IPv6 client: its /64 network, as sign-in
throttling counts it): a bucket holds up to `burst` requests and refills at
`requests_per_minute`; a request that finds it empty is answered 429 with Retry-After
and a sentence, and changes nothing. The buckets live in this process only: a public
register asks for no database write per visitor, and a restart forgets them, which is
harmless. Memory is bounded: beyond `max_clients` addresses the longest quiet is forgotten.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request

from belfort.auth.service import client_network
from belfort.errors import BelfortError
from belfort.i18n import _n
from belfort.settings import RegisterSettings


class TooManyRequests(BelfortError):
    """A client asked more often than the limit allows: answered 429 with Retry-After."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Whole seconds to wait, for the `Retry-After` header."""


class TokenBuckets:
    """Per-key token buckets: `take(key)` spends one token, or says how long until one is back."""

    def __init__(
        self, per_minute: float, burst: int, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        """key → (tokens, when they were counted); the least recently used first."""

    def take(self, key: str) -> float:
        """Spend a token of `key`'s bucket: 0.0 when there was one, else the seconds until there is."""
        now = self._clock()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def register_buckets(settings: RegisterSettings) -> TokenBuckets:
    return TokenBuckets(settings.requests_per_minute, settings.burst, settings.max_clients)


async def public_rate_limit(request: Request) -> None:
    """A route dependency: spend one of the client's requests, or refuse with 429. Async, so
    that every request counts on the event loop's one thread, without a lock."""
    state = request.app.state
    buckets: TokenBuckets | None = getattr(state, "register_buckets", None)
    if buckets is None:
        buckets = state.register_buckets = register_buckets(state.services.settings.public_register)
    wait = buckets.take(client_network(request.client.host if request.client else ""))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            _n(
                "Too many requests from your address: wait {count} second, then try again.",
                "Too many requests from your address: wait {count} seconds, then try again.",
                seconds,
            ),
            seconds,
        )
