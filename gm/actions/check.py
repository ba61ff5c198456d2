"""check: the open action, whatever a character attempts that no other action covers, settled by a check.

The intent arrives with its stat, difficulty tier, approach and target already
chosen (by :mod:`gm.agent.checks`); the rules validate them, roll ``1d20 + stat``
against the difficulty, and carry out the consequence. Where the campaign
authored the attempt (a location's ``features`` with ``checks``), the author's
stat and difficulty win and the consequence is the author's: a fact, an item, a
hidden exit or feature on success; damage or an alarm on failure. Without
authored data the outcome changes nothing beyond time, pose and, for a risky
physical failure, a little hp. Either way a failure moves the story: something
happens. A check never brings a character below 1 hp.
"""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate
from gm.campaign.schema import Consequence, Feature, FeatureCheck
from gm.intent import Action, Intent
from gm.rules.dice import modifier
from gm.campaign.fields import CharacterKind
from gm.rules import conversation
from gm.rules.engine import Refusal, Resolution, present_character
from gm.state.world import CharacterState, World, marker

# Open actions a player often tries where the campaign authored nothing: general English verbs.
GENERIC_APPROACHES = ("search", "climb", "sneak", "force", "jump", "hide", "listen")


# What players attempt that no other action covers, by the everyday words for it (general English): the first
# word of each entry is the approach recorded on the intent.
APPROACHES: dict[str, tuple[str, ...]] = {
    "search": ("search", "rummage", "look for", "hunt for", "dig through", "scour", "ransack", "go through",
               "look through", "check for", "salvage", "scavenge", "investigate", "inspect", "examine",
               "look behind", "look under", "look inside", "check behind", "check under", "peek", "for anything",
               "for anyone", "for something", "for clues", "feel around", "poke around", "nose around", "snoop",
               "rifle through", "sift through", "comb through", "pat down", "flip through", "leaf through",
               "thumb through", "page through", "browse", "frisk", "dig around"),
    "listen": ("listen", "eavesdrop"),
    "track": ("track", "tracks", "footprints", "trail"),
    "climb": ("climb", "scale", "clamber", "shimmy", "get on top of", "up on top of", "climb on top", "hand over hand",
              "scramble up", "get up on", "get on top",
              "haul myself up", "pull myself up"),
    "sneak": ("sneak", "creep", "tiptoe", "stalk", "quietly", "unseen", "without anyone seeing"),
    "hide": ("hide", "take cover", "for cover", "duck behind", "dive behind", "conceal"),
    "force": ("force", "pry", "break open", "kick open", "bash open", "smash open", "break down", "shove open",
              "crack open", "prise open", "pop open", "bust open", "lever open", "jimmy", "break the",
              "tear loose", "tear it loose", "wrench free", "pull free"),
    "read": ("read", "decipher", "decode", "translate", "study", "pore over", "peruse"),
    "persuade": ("persuade", "convince", "bribe", "sweet-talk", "sweet talk", "charm", "coax", "talk into", "flatter"),
    "intimidate": ("intimidate", "threaten", "scare", "frighten", "menace", "demand", "in his face", "in her face",
                   "face and demand", "bully", "or else", "or i swear", "make him talk", "make her talk", "make them talk", "throw down his", "throw down your",
                   "throw down their", "lay down your", "drop your weapon", "stand down", "stare down", "stare him down",
                   "stare her down", "stare it down"),
    "hack": ("hack", "override", "bypass"),
    "calm": ("calm", "soothe", "pacify", "reassure", "settle down", "talk him down", "talk her down",
             "talk them down"),
    "dodge": ("dodge", "evade", "sidestep"),
    "repair": ("repair", "fix", "mend", "patch", "tinker"),
    "haggle": ("haggle", "bargain", "barter"),
    "balance": ("balance", "tightrope"),
    "pick": ("pick the lock", "lockpick", "pick lock", "pick the padlock", "pick its lock", "pick open"),
}

class Check(ActionSpec):
    action = Action.check
    help = "attempt something no other action covers (search, climb, force, sneak ...): a stat roll"
    cues = tuple(cue for words in APPROACHES.values() for cue in words)

    def parse(self, rest: str, world: World) -> Intent | None:
        return None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        out = []
        for key, feature in world.features_here():
            for approach in feature.checks:
                out.append(Candidate.of(
                    world, Intent(action=self.action, approach=approach, target=key), f"{approach} the {feature.name}",
                    [f"try to {approach} the {feature.name}", f"{approach} {feature.name}",
                     *[f"{approach} the {alias}" for alias in feature.aliases]], key))
        here = world.party_location
        anything_here = tuple([c.key for c in world.present() if actor is None or c.key != actor.key]
                              + [i.key for i in world.items_at(here)] + [e.key for e in world.entities_at(here)]
                              + [key for key, _ in world.features_here()])
        for approach in GENERIC_APPROACHES:  # the judge picks stat and difficulty
            cand = Candidate.of(world, Intent(action=self.action, approach=approach), f"try to {approach}",
                                [f"{approach} around", f"attempt to {approach}", f"I {approach}"])
            # the verb names it, and it may be about anything here ("sneak past the wolf")
            cand.names, cand.keys = {approach}, anything_here
            out.append(cand)
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        if intent.approach in conversation.SOCIAL_APPROACHES and intent.target in world.characters:
            target = present_character(world, intent.target, intent.approach)  # persuading, intimidating someone
            if target.key == actor.key or not target.alive or target.kind is CharacterKind.pc:
                raise Refusal(f"You cannot {intent.approach} {target.name}.")
            conversation.social_check(r, actor, target, intent)
            return
        resolve_check(r, actor, intent)


# Attempts whose failure hurts even where the campaign says nothing: general English verbs of bodily risk.
RISKY_APPROACHES = frozenset({"climb", "jump", "leap", "force", "break", "smash", "swim", "vault", "scale", "lift",
                              "kick", "squeeze", "dive", "run", "sprint", "wrestle", "push", "pull", "bash"})
RISKY_DAMAGE = "1d4"
DEFAULT_TIER = "medium"


def visible_feature(world: World, key: str | None) -> Feature | None:
    return dict(world.features_here()).get(key or "")


def settle(world: World, actor: CharacterState, intent: Intent) -> tuple[str, int, FeatureCheck | None]:
    """The stat and DC the check rolls, and the authored check it carries out (if any). Refuses what is not here."""
    rules = world.campaign.rules
    approach = intent.approach or "try"
    feature = visible_feature(world, intent.target)
    if intent.target and feature is None and not _present(world, intent.target):
        raise Refusal("You don't see that here.")
    authored = feature.checks.get(approach) if feature else None
    stat = (authored.stat if authored else None) or intent.stat or rules.stats[0]
    if stat not in rules.stats:
        raise Refusal(f"There is no {stat} here; the stats are {', '.join(rules.stats)}.")
    if authored is not None:  # the author's difficulty stands: a player's words cannot make it easier
        return stat, world.campaign.dc(authored.dc), authored
    tier = intent.dc or (DEFAULT_TIER if DEFAULT_TIER in rules.difficulty else sorted(
        rules.difficulty, key=rules.difficulty.get)[len(rules.difficulty) // 2])
    if tier not in rules.difficulty:
        raise Refusal(f"There is no {tier} difficulty here; the tiers are {', '.join(rules.difficulty)}.")
    return stat, rules.difficulty[tier], None


def _present(world: World, key: str) -> bool:
    here = world.party_location
    if key in world.characters:
        return world.characters[key].location == here
    if key in world.items:
        item = world.items[key]
        return item.location == here or (item.holder is not None and world.characters[item.holder].location == here)
    return key in world.entities and world.entities[key].location == here


def resolve_check(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    approach = intent.approach or "try"
    stat, dc, authored = settle(world, actor, intent)
    roll = r.dice.roll(f"1d20{modifier(actor.stat(stat))}", dc=dc, who=actor.key, purpose=f"{stat} check to {approach}")
    success = bool(roll.success)
    r.emit(ev.Pose(character=actor.key, pose=gerund(approach)))
    consequence = (authored.success if success else authored.failure) if authored else Consequence()
    effects = _effects(world, intent.target, consequence)
    # done before: a second search of an emptied chest finds nothing new (and says so)
    spent = success and authored is not None and _changes_state(consequence) and not effects
    r.emit(ev.Checked(actor=actor.key, approach=approach, target=intent.target, stat=stat, success=success,
                      text="" if spent else consequence.text, spent=spent))
    for event in effects:
        r.emit(event if not isinstance(event, ev.Took) else event.model_copy(update={"character": actor.key}))
    damage = consequence.damage or (RISKY_DAMAGE if not success and approach in RISKY_APPROACHES
                                    and not _has_effects(consequence) else None)
    if damage is not None:
        _hurt(r, actor, damage, approach)


def _has_effects(c: Consequence) -> bool:
    return _changes_state(c) or bool(c.damage)


def _changes_state(c: Consequence) -> bool:
    return bool(c.learn or c.item or c.exit or c.reveal or c.alarm or c.attitude)


def _effects(world: World, source: str | None, c: Consequence) -> list[ev.Event]:
    """The consequence's state changes that have not happened yet (a second search finds nothing new)."""
    here = world.party_location
    out: list[ev.Event] = []
    if c.learn is not None and c.learn.id not in world.facts:
        out.append(ev.Learned(fact=c.learn.id, source=source or here))
    if c.item is not None:
        item = world.items[c.item]
        if item.holder is None and item.location is None:
            out.append(ev.Took(character="", item=c.item))  # the actor is filled in by the caller
    if c.exit is not None and marker("exit", here, c.exit.direction) not in world.facts:
        out.append(ev.ExitOpened(location=here, direction=c.exit.direction, to=c.exit.to))
    for feature in c.reveal:
        if marker("feature", here, feature) not in world.facts:
            out.append(ev.FeatureRevealed(location=here, feature=feature))
    if c.alarm is not None:
        who = world.characters[c.alarm]
        if who.alive and not who.in_party and (who.location != here or who.disposition != "hostile"):
            out.append(ev.Alarmed(character=c.alarm, location=here))
    if c.attitude is not None:  # a change of heart, in the attitude conversations keep (gm.rules.conversation)
        who = world.characters[c.attitude.character]
        after = conversation.shifted(who.attitude, c.attitude.shift)
        if who.alive and after != who.attitude:
            out.append(ev.AttitudeChanged(character=who.key, attitude=after, was=who.attitude, cause="deed"))
    return out


def _hurt(r: Resolution, actor: CharacterState, damage: str, approach: str) -> None:
    """Damage from a check: it hurts, but never knocks the character out (a failure moves the story on)."""
    amount = min(max(1, r.dice.roll(damage, who=actor.key, purpose=f"hurt trying to {approach}").total),
                 actor.hp - 1)
    if amount > 0:
        r.emit(ev.Damage(target=actor.key, amount=amount, hp=actor.hp - amount))


def gerund(verb: str) -> str:
    """'climb' -> 'climbing', the pose of someone attempting it."""
    from lemminflect import getInflection  # a lexicon load on first use: only games with open actions pay it

    forms = getInflection(verb, "VBG")
    return forms[0] if forms else f"{verb}ing"


SPEC = Check()
