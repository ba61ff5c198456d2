"""Conversations and attitudes: what a character tells the party, and how it feels about them.

The agent decides what the player's words ask about (``Intent.topic``, a constrained choice among the
character's own `knows` facts and `topics`); these rules decide what the character answers: a fact is
released (a ``learned`` event) only if the character knows it and its attitude allows, something
already told is recalled rather than repeated, and anything else gets a "doesn't know" line. Attitudes
(hostile < wary < neutral < friendly) move with persuasion and intimidation checks, gifts and deeds.
The words come from ``prompts/talk.j2``; a model may voice them afterwards, under a check.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

from gm import events as ev
from gm.campaign.conditions import about
from gm.campaign.schema import ATTITUDES, Campaign, Character, CharacterKind
from gm.campaign.templates import Macros, Templates
from gm.rules.dice import CritType, modifier
from gm.state.world import CharacterState, World

if TYPE_CHECKING:
    from gm.intent import Intent
    from gm.rules.engine import Resolution

SOCIAL_APPROACHES = ("persuade", "intimidate")
DEFAULT_REQUIRES = "neutral"  # the attitude at which a character shares what it knows, unless authored otherwise


def _lines(campaign: Campaign) -> Macros:
    """The words of ``talk.j2`` (the campaign's override first, the shipped one if it fails)."""
    return _talk_lines(campaign.id, campaign.prompts.get("talk.j2"))


@lru_cache(maxsize=16)
def _talk_lines(campaign_id: str, override: str | None) -> Macros:
    return Macros(Templates({"talk.j2": override} if override else {}, label=f"campaign {campaign_id!r}"), "talk.j2")


def at_least(attitude: str, least: str) -> bool:
    return ATTITUDES.index(attitude) >= ATTITUDES.index(least)


def shifted(attitude: str, steps: int) -> str:
    return ATTITUDES[max(0, min(len(ATTITUDES) - 1, ATTITUDES.index(attitude) + steps))]


def speaks(spec: Character) -> bool:
    """Whether a character answers in words; a wolf without a persona answers by gesture and sound."""
    if spec.speaks is not None:
        return spec.speaks
    if spec.kind in (CharacterKind.pc, CharacterKind.npc):
        return True
    return bool(spec.persona or spec.knows or spec.topics)


def creature(appearance: str) -> str:
    """What it is, from its descriptor: 'large grey marsh wolf with one white ear' -> 'large grey marsh wolf'."""
    head = appearance.split(",")[0].strip()
    for joint in (" with ", " wearing ", " in "):
        head = head.split(joint)[0]
    return head.removeprefix("a ").removeprefix("an ").removeprefix("the ").strip() or appearance


def _variant(*parts: str | None) -> int:
    return zlib.crc32("|".join(p or "" for p in parts).encode())


def _change(r: Resolution, who: CharacterState, attitude: str, cause: str) -> None:
    if attitude != who.attitude:
        r.emit(ev.AttitudeChanged(character=who.key, attitude=attitude, was=who.attitude, cause=cause))


# --- talking ----------------------------------------------------------------------------------

def answer(r: Resolution, actor: CharacterState, npc: CharacterState, intent: Intent) -> None:
    """The character's answer to what the actor said (``intent.text``) or asked about (``intent.topic``)."""
    world, spec = r.world, r.world.spec(npc.key)
    lines = _lines(world.campaign)
    companion = npc.in_party
    r.emit(ev.Pose(character=actor.key, pose="talking"))

    def say(manner: str, text: str, topic: str | None = None) -> None:
        r.emit(ev.Said(speaker=npc.key, text=str(text).strip(), to=actor.key, asked=intent.text, topic=topic,
                       manner=manner))

    if not speaks(spec):
        say("gestures", lines.gestures(npc.name, creature(npc.appearance), npc.attitude, companion))
        return
    if npc.attitude == "hostile":
        say("declines", lines.declines(npc.attitude, actor.name))
        return
    if intent.topic is not None:
        _answer_topic(r, actor, npc, spec, intent.topic, say)
        return
    if intent.text:  # asked about something, but nothing this character knows
        say("doesnt_know", lines.doesnt_know(npc.attitude, actor.name, _variant(intent.text), companion))
        return
    # a greeting: the character volunteers what it has not told yet, if its attitude allows; a fact behind a
    # topic with its own condition is kept for when it is asked about that topic
    kept = {t.reveals for t in spec.topics.values() if t.requires is not None}
    news = [fact for fact in spec.knows if fact.id not in world.facts and fact.id not in kept]
    if news and not at_least(npc.attitude, DEFAULT_REQUIRES):
        say("declines", lines.declines(npc.attitude, actor.name))
        return
    for fact in news:
        say("tells", fact.text, fact.id)
        r.emit(ev.Learned(fact=fact.id, source=npc.key))
    untaught = [s for s in spec.teaches if not world.knows_skill(actor.key, s)]
    if untaught:
        r.emit(ev.Said(speaker=npc.key, text=str(lines.offers_teaching(
            [world.campaign.skills[s].name for s in untaught])).strip(), to=actor.key, manner="greets"))
    if not news and not untaught:
        say("greets", lines.greets(npc.attitude, actor.name, companion))


def _answer_topic(r: Resolution, actor: CharacterState, npc: CharacterState, spec: Character, topic: str,
                  say) -> None:
    world, lines = r.world, _lines(r.world.campaign)
    fact = next((f for f in spec.knows if f.id == topic), None)
    authored = spec.topics.get(topic)
    if fact is None and authored is None:  # not this character's to tell: the agent's choice is only a proposal
        say("doesnt_know", lines.doesnt_know(npc.attitude, actor.name, _variant(topic), npc.in_party))
        return
    if authored is None:  # a fact some topic reveals keeps that topic's condition, however it is asked for
        authored = next((t for t in spec.topics.values() if t.reveals == topic), None)
    requires = authored.requires.attitude if authored and authored.requires else DEFAULT_REQUIRES
    if not at_least(npc.attitude, requires):
        say("declines", lines.declines(npc.attitude, actor.name))
        return
    words = authored.says if authored is not None else fact.text
    reveals = fact.id if fact is not None else authored.reveals
    if world.told(npc.key, topic) is not None or (fact is not None and fact.id in world.facts):
        say("recalls", lines.recalls(words, actor.name), topic)
        return
    say("tells", words, topic)
    if reveals is not None and reveals not in world.facts:
        r.emit(ev.Learned(fact=reveals, source=npc.key))


def answer_stranger(r: Resolution, actor: CharacterState, entity_key: str, intent: Intent) -> None:
    """Something added by /event knows nothing of the campaign: a generic answer in its voice."""
    r.emit(ev.Pose(character=actor.key, pose="talking"))
    text = str(_lines(r.world.campaign).stranger(actor.name)).strip()
    r.emit(ev.Said(speaker=entity_key, text=text, to=actor.key, asked=intent.text,
                   manner="doesnt_know" if intent.text else "greets"))


# --- attitudes -----------------------------------------------------------------------------------

def social_check(r: Resolution, actor: CharacterState, target: CharacterState, intent: Intent) -> None:
    """Persuading or intimidating a character: a roll against a DC its attitude sets, and a change of heart.

    Persuasion that succeeds raises the attitude one step; intimidation that succeeds cows a hostile or
    wary character into talking (neutral) but never wins a friend; a failed intimidation, or a persuasion
    that rolls a natural 1, lowers it one step. Failing forward: the character always answers.
    """
    world = r.world
    approach = intent.approach or "persuade"
    stats = world.campaign.rules.stats
    stat = intent.stat if intent.stat in stats else max(stats, key=lambda s: (actor.stat(s), -stats.index(s)))
    tiers = sorted(world.campaign.rules.difficulty, key=world.campaign.rules.difficulty.get)
    if intent.dc in world.campaign.rules.difficulty:
        tier = intent.dc
    else:  # the worse the attitude, the harder to move; the middle tier for a neutral character
        middle = len(tiers) // 2 - (1 if len(tiers) % 2 == 0 else 0)
        tier = tiers[max(0, min(len(tiers) - 1, middle + (1 if not at_least(target.attitude, "neutral") else 0)))]
    roll = r.dice.roll(f"1d20{modifier(actor.stat(stat))}", dc=world.campaign.rules.difficulty[tier],
                       who=actor.key, purpose=f"{stat} check to {approach} {target.name}")
    success = bool(roll.success)
    before = target.attitude
    if approach == "intimidate":
        after = shifted(before, -1) if not success else before if at_least(before, "neutral") else "neutral"
    else:
        after = shifted(before, 1) if success else shifted(before, -1) if roll.crit is CritType.FAIL else before
    r.emit(ev.Pose(character=actor.key, pose="talking"))
    _change(r, target, after, "intimidated" if approach == "intimidate" else "persuaded")
    _react(r, actor, target, approach, success)


def _react(r: Resolution, actor: CharacterState, who: CharacterState, approach: str, success: bool) -> None:
    lines = _lines(r.world.campaign)
    spec = r.world.spec(who.key)
    if speaks(spec):
        text = lines.reacts(approach, success, who.attitude, actor.name)
        manner = "reacts"
    else:
        text = lines.gestures(who.name, creature(who.appearance), who.attitude, who.in_party)
        manner = "gestures"
    r.emit(ev.Said(speaker=who.key, text=str(text).strip(), to=actor.key, manner=manner))


def gift_received(r: Resolution, actor: CharacterState, receiver: CharacterState, first: bool) -> None:
    """A gift (the first of that item to this character) warms it by one step."""
    if not first or receiver.in_party or receiver.kind is CharacterKind.pc or receiver.disposition == "hostile":
        return
    before = receiver.attitude
    _change(r, receiver, shifted(before, 1), "gift")
    if receiver.attitude != before:
        _react(r, actor, receiver, "gift", True)


def witnessed_attack(r: Resolution, actor: CharacterState, target: CharacterState) -> None:
    """Attacking someone who is not a monster turns those who see it one step against the party."""
    if target.kind is CharacterKind.monster:
        return
    for who in r.world.present():
        if who.key != target.key and not who.in_party and who.alive and who.disposition != "hostile":
            _change(r, who, shifted(who.attitude, -1), "attacked")


def will_teach(world: World, teacher: CharacterState, dice, actor: CharacterState) -> bool:
    condition = world.spec(teacher.key).teach
    return condition is None or about(condition, teacher.key).holds(world, dice, actor.key)


def decline_teaching(r: Resolution, actor: CharacterState, teacher: CharacterState) -> None:
    text = _lines(r.world.campaign).declines(teacher.attitude, actor.name)
    r.emit(ev.Said(speaker=teacher.key, text=str(text).strip(), to=actor.key, manner="declines"))
