"""use_skill: use a skill you know; a damaging skill is an attack on an enemy with its own stat and dice."""

from __future__ import annotations

import re

from gm import events as ev
from gm.actions.attack import enemies_here
from gm.actions.base import ActionSpec, Candidate
from gm.actions.naming import STOP, resolve_name, words
from gm.campaign.memo import per_campaign
from gm.campaign.schema import Campaign
from gm.intent import Action, Intent
from gm.rules.engine import Refusal, Resolution, attack_roll, hostile_target, start_combat
from gm.state.world import CharacterState, World


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@per_campaign
def skill_lore(campaign: Campaign) -> dict[str, list[str]]:
    """What the campaign says about each skill, by skill id: its description, then every sentence of its text
    (facts, lines, personas, notes) that names the skill. A player who uses a skill in their own words describes what it does ("dump the
    power into it"), and the campaign's own sentences about it say that ("It can't see through a surge")."""
    texts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            texts.extend(s.strip() for s in _SENTENCE.split(value) if s.strip())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(campaign.model_dump(exclude={"skills", "style", "prompts"}))
    lore = {}
    for key, skill in campaign.skills.items():
        naming = (words(key.replace("-", " ")) | words(skill.name) | words(" ".join(skill.aliases))) - STOP
        # the author's own sentence of what it does first ("Wraps its bearer in a shield of light")
        own = [t.strip() for t in _SENTENCE.split(skill.description) if t.strip()]
        lore[key] = list(dict.fromkeys([*own, *(t for t in texts if words(t) & naming and len(t) > len(skill.name) + 8)]))
    return lore


class UseSkill(ActionSpec):
    action = Action.use_skill
    verbs = ("use", "cast", "chant")
    usage = "use <skill> on <enemy>"
    help = "use a skill you know, on an enemy if it does harm"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('use', 'cast', 'spell', 'magic', 'chant', 'unleash', 'invoke', 'channel', 'burn', 'activate', 'practice',
            'practise', 'recite', 'rehearse', 'zap', 'conjure')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        m = re.match(r"(.+?)\s+(?:on|against|at)\s+(.+)", rest)
        skill = resolve_name(world, m.group(1) if m else rest)
        target = resolve_name(world, m.group(2)) if m else None
        if m and target is None:
            return None  # "cast the ward at the troll, then grab the stone" is more than a plain command
        if skill in world.campaign.skills:
            return Intent(action=self.action, skill=skill, target=target)
        return None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        if actor is None:
            return []
        camp = world.campaign
        lore = skill_lore(camp)
        known = [s for (who, s) in sorted(world.skills) if who == actor.key]
        out = []
        for skill_key in known:  # a skill that does no harm is used on its own, in a fight or not
            skill = camp.skills[skill_key]
            if not skill.damage:
                out.append(Candidate.of(world, Intent(action=self.action, skill=skill_key), f"use {skill.name}",
                                        [f"cast {skill.name}", f"use my {skill.name}", f"invoke the {skill.name}",
                                         *lore[skill_key]], skill_key))
        enemies = enemies_here(world, actor)
        for skill_key in known if not enemies else []:
            skill = camp.skills[skill_key]  # a harmful skill with no one to harm: the rules say so if tried
            if skill.damage:
                out.append(Candidate.of(world, Intent(action=self.action, skill=skill_key), f"use {skill.name}",
                                        [f"practice {skill.name}", f"use my {skill.name}", *lore[skill_key]],
                                        skill_key))
        for ch in enemies:
            for skill_key in known:
                skill = camp.skills[skill_key]
                if skill.damage:
                    out.append(Candidate.of(
                        world, Intent(action=self.action, skill=skill_key, target=ch.key),
                        f"use {skill.name} on {ch.name}",
                        [f"cast {skill.name} at {ch.name}", f"unleash the {skill.name}",
                         f"hit {ch.name} with {skill.name}", f"use my {skill.name}", *lore[skill_key]],
                        ch.key, skill_key))
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        known = [s for (c, s) in sorted(world.skills) if c == actor.key]
        skill_key = intent.skill or (known[0] if len(known) == 1 else None)
        if skill_key is None or skill_key not in world.campaign.skills:
            raise Refusal("Which skill? You know: "
                          + (", ".join(world.campaign.skills[s].name for s in known) or "none yet") + ".")
        skill = world.campaign.skills[skill_key]
        if not world.knows_skill(actor.key, skill_key):
            raise Refusal(f"You do not know the {skill.name}.")
        if skill.damage is None:
            r.emit(ev.Pose(character=actor.key, pose="casting"))
            return
        target = hostile_target(world, actor, intent, f"use the {skill.name} on")
        if world.combat is None:
            start_combat(r, first=actor.key)
        r.emit(ev.Pose(character=actor.key, pose="casting"))
        attack_roll(r, actor, target, bonus=actor.stat(skill.stat), damage=skill.damage, name=skill.name,
                    advantage=target.key in skill.effective_against)


SPEC = UseSkill()
