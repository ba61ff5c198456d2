"""Work derived from a campaign, kept per campaign: a bot sees many uploaded campaigns, so only the newest few.

A campaign model is not hashable, so entries are keyed by ``id()`` and checked for identity (an id can be
reused once a campaign is freed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from gm.campaign.schema import Campaign

T = TypeVar("T")
KEPT = 32


def per_campaign(build: Callable[[Campaign], T]) -> Callable[[Campaign], T]:
    """``build(campaign)`` computed once per campaign (the newest ``KEPT`` campaigns are kept)."""
    cache: dict[int, tuple[Campaign, T]] = {}

    @wraps(build)
    def cached(campaign: Campaign) -> T:
        hit = cache.get(id(campaign))
        if hit is not None and hit[0] is campaign:
            return hit[1]
        value = build(campaign)
        cache[id(campaign)] = (campaign, value)
        while len(cache) > KEPT:
            del cache[next(iter(cache))]
        return value

    return cached
