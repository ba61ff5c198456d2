"""Invariants every stored world satisfies. Checked before a turn is committed."""

from __future__ import annotations

from gm.state.world import World


def violations(world: World) -> list[str]:
    found: list[str] = []
    for ch in world.characters.values():
        if not 0 <= ch.hp <= ch.max_hp:
            found.append(f"{ch.key} has {ch.hp} hp outside 0..{ch.max_hp}")
    findable = {c.item for c in world.campaign.consequences() if c.item}  # nowhere until a check finds them
    for item in world.items.values():
        placed = (item.holder is not None) + (item.location is not None)
        if placed > 1 or (placed == 0 and item.key not in findable):
            found.append(f"item {item.key} is in {placed} places")
        if item.holder is not None and item.holder not in world.characters:
            found.append(f"item {item.key} is held by unknown {item.holder}")
    for key, quest in world.quests.items():
        if not 0 <= quest.stage < len(world.campaign.quests[key].stages):
            found.append(f"quest {key} is at stage {quest.stage}")
    if world.combat is not None and not world.combat.order:
        found.append("a combat with nobody in it")
    return found
