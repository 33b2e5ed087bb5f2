"""State kept between updates, behind small async protocols: each chat's last topic, how much of
its message budget a chat has used, which updates were already taken. In memory by default
(one process); a shared store can implement the same protocols for several replicas."""

from __future__ import annotations

from dataclasses import dataclass

from bot.state.flood import FloodBudget, MemoryFloodBudget
from bot.state.followups import FollowUpStore, MemoryFollowUpStore
from bot.state.seen import MemorySeenUpdates, SeenUpdates


@dataclass
class State:
    followups: FollowUpStore
    flood: FloodBudget
    seen: SeenUpdates

    async def aclose(self) -> None:
        """Release connections; nothing to do for the in-memory stores."""


def in_memory(flood_messages: int = 5, flood_seconds: float = 10.0) -> State:
    return State(MemoryFollowUpStore(), MemoryFloodBudget(flood_messages, flood_seconds), MemorySeenUpdates())
