"""Cross-reference checks a schema alone cannot express.

Each check yields ``(path, message)`` pairs; the path points into the campaign
file so the loader can turn it into a line and column.
"""

from __future__ import annotations

from collections.abc import Iterator

from gm.campaign.conditions import Problem, about
from gm.campaign.schema import Campaign, Character, CharacterKind


def _character_problems(campaign: Campaign, cid: str, ch: Character) -> Iterator[Problem]:
    base = ("characters", cid)
    if ch.location is not None and ch.location not in campaign.locations:
        yield base + ("location",), f"unknown location {ch.location!r}"
    if ch.location is None and cid not in campaign.start.party:
        yield base, f"character {cid!r} has no `location` and is not in the starting party, so it is nowhere"
    for stat in ch.stats:
        if stat not in campaign.rules.stats:
            yield base + ("stats", stat), f"unknown stat {stat!r} (rules.stats: {', '.join(campaign.rules.stats)})"
    for i, item in enumerate(ch.inventory):
        if item not in campaign.items:
            yield base + ("inventory", i), f"unknown item {item!r}"
    for key in ("teaches", "skills"):
        for i, skill in enumerate(getattr(ch, key)):
            if skill not in campaign.skills:
                yield base + (key, i), f"unknown skill {skill!r}"
    if ch.recruit is not None:
        if ch.kind is not CharacterKind.companion:
            yield base + ("recruit",), f"only companions can be recruited, but {cid!r} is a {ch.kind.value}"
        yield from about(ch.recruit, cid).problems(campaign, base + ("recruit",))
    if ch.teach is not None:
        if not ch.teaches:
            yield base + ("teach",), f"{cid!r} has a `teach` condition but `teaches` nothing"
        yield from about(ch.teach, cid).problems(campaign, base + ("teach",))
    known = {fact.id for fact in ch.knows}
    for tid, topic in ch.topics.items():
        if topic.reveals is not None and topic.reveals not in known:
            yield base + ("topics", tid, "reveals"), (
                f"topic {tid!r} reveals {topic.reveals!r}, which {cid!r} does not know (add it to its `knows`)")
        if tid in known:
            yield base + ("topics", tid), f"topic id {tid!r} is also one of {cid!r}'s `knows` fact ids"


def reference_problems(campaign: Campaign) -> Iterator[Problem]:
    locs, chars = campaign.locations, campaign.characters
    if campaign.start.location not in locs:
        yield ("start", "location"), f"unknown location {campaign.start.location!r}"
    for i, cid in enumerate(campaign.start.party):
        if cid not in chars:
            yield ("start", "party", i), f"unknown character {cid!r}"
        elif chars[cid].kind is not CharacterKind.pc:
            yield ("start", "party", i), f"{cid!r} is a {chars[cid].kind.value}; the starting party holds pcs"
    for lid, loc in locs.items():
        for direction, target in loc.exits.items():
            if target not in locs:
                yield ("locations", lid, "exits", direction), f"exit {direction!r} leads to unknown location {target!r}"
    seen_facts: dict[str, str] = {}
    for cid, ch in chars.items():
        yield from _character_problems(campaign, cid, ch)
        for i, fact in enumerate(ch.knows):
            if fact.id in seen_facts:
                yield ("characters", cid, "knows", i, "id"), f"fact {fact.id!r} is also known by {seen_facts[fact.id]!r}"
            seen_facts.setdefault(fact.id, cid)
    holders: dict[str, tuple] = {}
    for cid, ch in chars.items():
        for i, item in enumerate(ch.inventory):
            if item in holders:
                yield ("characters", cid, "inventory", i), f"item {item!r} is already placed at {_fmt(holders[item])}"
            holders.setdefault(item, ("characters", cid, "inventory", i))
    for iid, item in campaign.items.items():
        if item.location is not None and item.location not in locs:
            yield ("items", iid, "location"), f"unknown location {item.location!r}"
        if item.location is not None and iid in holders:
            yield ("items", iid, "location"), f"item {iid!r} has a location but is also in {_fmt(holders[iid])}"
    for sid, skill in campaign.skills.items():
        if skill.stat not in campaign.rules.stats:
            yield ("skills", sid, "stat"), f"unknown stat {skill.stat!r}"
        for i, target in enumerate(skill.effective_against):
            if target not in chars:
                yield ("skills", sid, "effective_against", i), f"unknown character {target!r}"
    yield from _quest_problems(campaign)
    yield from _feature_problems(campaign)


def _quest_problems(campaign: Campaign) -> Iterator[Problem]:
    for qid, quest in campaign.quests.items():
        base = ("quests", qid)
        if quest.giver is not None and quest.giver not in campaign.characters:
            yield base + ("giver",), f"unknown character {quest.giver!r}"
        seen: set[str] = set()
        for i, stage in enumerate(quest.stages):
            path = base + ("stages", i)
            if stage.id in seen:
                yield path + ("id",), f"duplicate stage id {stage.id!r} in quest {qid!r}"
            seen.add(stage.id)
            refs = list(stage.complete_when.problems(campaign, path + ("complete_when",)))
            yield from refs
            if not refs and not stage.complete_when.can_ever_hold(campaign, checks_allowed=False):
                yield path + ("complete_when",), (
                    f"stage {stage.id!r} can never complete: no play can make its condition true "
                    "(an unreachable location, a skill nobody can learn, or a `check`, which only actions roll)")


def _feature_problems(campaign: Campaign) -> Iterator[Problem]:
    """Stat descriptions, features and what their checks do: every reference must exist and make sense."""
    rules = campaign.rules
    for stat in rules.stat_descriptions:
        if stat not in rules.stats:
            yield ("rules", "stat_descriptions", stat), f"unknown stat {stat!r} (rules.stats: {', '.join(rules.stats)})"
    taken = set(campaign.characters) | set(campaign.items)
    revealed = {(lid, fid) for lid, loc in campaign.locations.items() for f in loc.features.values()
                for check in f.checks.values() for c in (check.success, check.failure) for fid in c.reveal}
    found_by: dict[str, tuple] = {}
    facts = {fact.id for ch in campaign.characters.values() for fact in ch.knows}
    for lid, loc in campaign.locations.items():
        for fid, feature in loc.features.items():
            base = ("locations", lid, "features", fid)
            if fid in taken:
                yield base, f"feature {fid!r} has the id of a character or item; give it its own id"
            if feature.hidden and (lid, fid) not in revealed:
                yield base + ("hidden",), f"hidden feature {fid!r} is never revealed: no check here lists it in `reveal`"
            for approach, check in feature.checks.items():
                path = base + ("checks", approach)
                if check.stat is not None and check.stat not in rules.stats:
                    yield path + ("stat",), f"unknown stat {check.stat!r} (rules.stats: {', '.join(rules.stats)})"
                if isinstance(check.dc, str) and check.dc not in rules.difficulty:
                    yield path + ("dc",), f"unknown difficulty {check.dc!r} (rules.difficulty: {', '.join(rules.difficulty)})"
                for side in ("success", "failure"):
                    yield from _consequence_problems(campaign, lid, getattr(check, side), path + (side,), found_by, facts)
    for qid, quest in campaign.quests.items():
        for i, stage in enumerate(quest.stages):
            if stage.outcome is None:
                continue
            path = ("quests", qid, "stages", i, "outcome")
            for key in ("exit", "reveal", "damage", "alarm", "attitude"):
                if getattr(stage.outcome, key):
                    yield path + (key,), f"a quest stage's outcome can tell `text`, `learn` a fact or give an `item`, not `{key}`"
            yield from _consequence_problems(campaign, None, stage.outcome, path, found_by, facts)


def _consequence_problems(campaign: Campaign, lid: str | None, c, path: tuple, found_by: dict[str, tuple],
                          facts: set[str]) -> Iterator[Problem]:
    if c.item is not None:
        item = campaign.items.get(c.item)
        holders = [cid for cid, ch in campaign.characters.items() if c.item in ch.inventory]
        if item is None:
            yield path + ("item",), f"unknown item {c.item!r}"
        elif item.location is not None or holders:
            where = f"location {item.location!r}" if item.location else f"the inventory of {holders[0]!r}"
            yield path + ("item",), f"item {c.item!r} is found by this check, so it must start nowhere, not in {where}"
        elif c.item in found_by:
            yield path + ("item",), f"item {c.item!r} is already found by {_fmt(found_by[c.item])}"
        found_by.setdefault(c.item, path)
    if c.learn is not None:
        if c.learn.id in facts:
            yield path + ("learn", "id"), f"fact {c.learn.id!r} is already defined elsewhere; give it its own id"
        facts.add(c.learn.id)
    if c.exit is not None and lid is not None:
        if c.exit.to not in campaign.locations:
            yield path + ("exit", "to"), f"hidden exit leads to unknown location {c.exit.to!r}"
        if c.exit.direction in campaign.locations[lid].exits:
            yield path + ("exit", "direction"), f"location {lid!r} already has an exit {c.exit.direction!r}"
    here = campaign.locations[lid].features if lid is not None else {}
    for i, fid in enumerate(c.reveal):
        if fid not in here:
            yield path + ("reveal", i), f"unknown feature {fid!r}: `reveal` names hidden features of this location"
        elif not here[fid].hidden:
            yield path + ("reveal", i), f"feature {fid!r} is not hidden, so there is nothing to reveal"
    if c.alarm is not None and c.alarm not in campaign.characters:
        yield path + ("alarm",), f"unknown character {c.alarm!r}"
    elif c.alarm is not None and campaign.characters[c.alarm].kind is CharacterKind.pc:
        yield path + ("alarm",), f"{c.alarm!r} is a pc; an alarm brings an npc or monster"
    if c.attitude is not None:
        who = campaign.characters.get(c.attitude.character)
        if who is None:
            yield path + ("attitude", "character"), f"unknown character {c.attitude.character!r}"
        elif who.kind is CharacterKind.pc:
            yield path + ("attitude", "character"), f"{c.attitude.character!r} is a pc; attitudes are npcs' feelings"


def _fmt(path: tuple) -> str:
    return ".".join(str(p) for p in path)
