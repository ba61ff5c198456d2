"""Cross-reference checks a schema alone cannot express.

Each check yields ``(path, message)`` pairs; the path points into the campaign
file so the loader can turn it into a line and column.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import d20

from gm.campaign.schema import (
    AllOf, AnyOf, At, AttitudeAtLeast, Campaign, Character, CharacterKind, Check, Condition, Defeated, Gave,
    Holds, KnowsSkill, Learned, Recruited,
)

Problem = tuple[tuple, str]


def _dice_ok(expr: str) -> bool:
    try:
        d20.parse(expr)
    except Exception:  # d20 raises several error types for bad grammar
        return False
    return True


def reachable_locations(campaign: Campaign) -> set[str]:
    seen = {campaign.start.location}
    queue = deque(seen)
    while queue:
        loc = campaign.locations.get(queue.popleft())
        for target in (loc.exits.values() if loc else ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def condition_references(campaign: Campaign, cond: Condition, path: tuple,
                         subject: str | None = None) -> Iterator[Problem]:
    """Problems with what ``cond`` names; ``subject`` is the character whose `recruit`/`teach` it is."""
    chars, items, locs = campaign.characters, campaign.items, campaign.locations
    facts, skills = campaign.facts(), campaign.skills
    match cond:
        case AnyOf(any=children) | AllOf(all=children):
            key = "any" if isinstance(cond, AnyOf) else "all"
            for i, child in enumerate(children):
                yield from condition_references(campaign, child, path + (key, i), subject)
        case AttitudeAtLeast(of=None) if subject is None:
            yield path + ("attitude",), "say whose attitude: `of: CHARACTER` (only a character's own `recruit` " \
                                        "or `teach` may leave it out)"
        case AttitudeAtLeast(of=who) if who is not None and who not in chars:
            yield path + ("of",), f"unknown character {who!r}"
        case Learned(learned=fact) if fact not in facts:
            yield path + ("learned",), f"unknown fact {fact!r}: no character `knows` it"
        case Recruited(recruited=who) if who not in chars:
            yield path + ("recruited",), f"unknown character {who!r}"
        case Recruited(recruited=who) if chars[who].kind is not CharacterKind.companion:
            yield path + ("recruited",), f"{who!r} is a {chars[who].kind.value}, only companions can be recruited"
        case KnowsSkill(knows_skill=args):
            if args.character not in chars:
                yield path + ("knows_skill", "character"), f"unknown character {args.character!r}"
            if args.skill not in skills:
                yield path + ("knows_skill", "skill"), f"unknown skill {args.skill!r}"
        case Defeated(defeated=who) if who not in chars:
            yield path + ("defeated",), f"unknown character {who!r}"
        case Gave(gave=args):
            if args.item not in items:
                yield path + ("gave", "item"), f"unknown item {args.item!r}"
            if args.to not in chars:
                yield path + ("gave", "to"), f"unknown character {args.to!r}"
        case At(at=loc) if loc not in locs:
            yield path + ("at",), f"unknown location {loc!r}"
        case Holds(holds=item) if item not in items:
            yield path + ("holds",), f"unknown item {item!r}"
        case Check(check=stat, dc=dc):
            if stat not in campaign.rules.stats:
                yield path + ("check",), f"unknown stat {stat!r} (rules.stats: {', '.join(campaign.rules.stats)})"
            if isinstance(dc, str) and dc not in campaign.rules.difficulty:
                yield path + ("dc",), (f"unknown difficulty {dc!r} "
                                       f"(rules.difficulty: {', '.join(campaign.rules.difficulty)})")


def can_ever_hold(campaign: Campaign, cond: Condition, *, checks_allowed: bool) -> bool:
    """Whether play can ever make ``cond`` true (assuming its references exist)."""
    match cond:
        case AnyOf(any=children):
            return any(can_ever_hold(campaign, c, checks_allowed=checks_allowed) for c in children)
        case AllOf(all=children):
            return all(can_ever_hold(campaign, c, checks_allowed=checks_allowed) for c in children)
        case KnowsSkill(knows_skill=args):
            learner = campaign.characters[args.character]
            taught = any(args.skill in ch.teaches for ch in campaign.characters.values())
            return args.skill in learner.skills or (taught and learner.kind is CharacterKind.pc)
        case At(at=loc):
            return loc in reachable_locations(campaign)
        case Check():
            return checks_allowed
    return True


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
    for i, attack in enumerate(ch.attacks):
        if not _dice_ok(attack.damage):
            yield base + ("attacks", i, "damage"), f"{attack.damage!r} is not a dice expression"
    if ch.recruit is not None:
        if ch.kind is not CharacterKind.companion:
            yield base + ("recruit",), f"only companions can be recruited, but {cid!r} is a {ch.kind.value}"
        yield from condition_references(campaign, ch.recruit, base + ("recruit",), cid)
    if ch.teach is not None:
        if not ch.teaches:
            yield base + ("teach",), f"{cid!r} has a `teach` condition but `teaches` nothing"
        yield from condition_references(campaign, ch.teach, base + ("teach",), cid)
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
        if skill.damage is not None and not _dice_ok(skill.damage):
            yield ("skills", sid, "damage"), f"{skill.damage!r} is not a dice expression"
        for i, target in enumerate(skill.effective_against):
            if target not in chars:
                yield ("skills", sid, "effective_against", i), f"unknown character {target!r}"
    yield from _quest_problems(campaign)


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
            refs = list(condition_references(campaign, stage.complete_when, path + ("complete_when",)))
            yield from refs
            if not refs and not can_ever_hold(campaign, stage.complete_when, checks_allowed=False):
                yield path + ("complete_when",), (
                    f"stage {stage.id!r} can never complete: no play can make its condition true "
                    "(an unreachable location, a skill nobody can learn, or a `check`, which only actions roll)")


def _fmt(path: tuple) -> str:
    return ".".join(str(p) for p in path)
