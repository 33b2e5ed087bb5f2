"""How much a figure measured on a few hundred messages says, and whether a change moved it.

A set of 444 messages puts its "helped" figure within about three points either way: a target
one point away is not met or missed by the bot alone. And two versions of the bot scored on the
same messages differ only where one helps a message the other does not; whether those few
messages lean one way by more than chance is the question a change must answer (an exact
McNemar test), not whether the two percentages differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959964  # the normal quantile of a two-sided 95% interval


def interval(hits: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of `hits` out of `total` (95% by default): unlike the normal
    approximation it stays inside [0, 1] and is honest at 0 or all (a set with no confident wrong
    answer says little about the next one)."""
    if total <= 0:
        return 0.0, 1.0
    share = hits / total
    spread = z * z / total
    centre = (share + spread / 2) / (1 + spread)
    half = z * math.sqrt(share * (1 - share) / total + spread / (4 * total)) / (1 + spread)
    return max(0.0, centre - half), min(1.0, centre + half)


def interval_text(hits: int, total: int) -> str:
    """ "88.7-93.9%": the 95% interval as the figures print it."""
    low, high = interval(hits, total)
    return f"{100 * low:.1f}-{100 * high:.1f}%"


@dataclass(frozen=True)
class Paired:
    """Two versions of the bot judged on the same messages."""

    gained: int  # messages the second helps and the first did not
    lost: int  # and the other way round
    p_value: float  # two-sided: how often chance alone would lean at least this far

    @property
    def net(self) -> int:
        return self.gained - self.lost


def sign_test(gained: int, lost: int) -> float:
    """Exact two-sided p-value that `gained` against `lost` discordant messages lean one way by
    chance (each as likely to go either way): the exact McNemar test."""
    count = gained + lost
    if count == 0:
        return 1.0
    fewer = min(gained, lost)
    # Exact integers to the last division: 2**count is an int (`1 << count`), never rounded.
    tail = sum(math.comb(count, k) for k in range(fewer + 1)) / (1 << count)
    return min(1.0, 2 * tail)


def paired(before: list[bool], after: list[bool]) -> Paired:
    """Compare two judgements of the same messages, in the same order."""
    if len(before) != len(after):
        raise ValueError("the two judgements are not of the same messages")
    gained = sum(not b and a for b, a in zip(before, after, strict=True))
    lost = sum(b and not a for b, a in zip(before, after, strict=True))
    return Paired(gained, lost, sign_test(gained, lost))
