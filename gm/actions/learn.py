"""learn: be taught a skill by someone here who teaches it."""

from __future__ import annotations

import re

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate, others_here
from gm.actions.naming import resolve_name
from gm.intent import Action, Intent
from gm.rules import conversation
from gm.rules.engine import Refusal, Resolution
from gm.state.world import CharacterState, World


class Learn(ActionSpec):
    action = Action.learn
    verbs = ("learn",)
    usage = "learn <skill> from <teacher>"
    help = "be taught a skill by someone here"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('learn', 'teach', 'show me', 'show us', 'study', 'lesson', 'how to cast', 'how to use', 'train',
            'instruct', 'mentor', 'pass on', 'student', 'apprentice', 'pupil', 'disciple', 'take me on')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        m = re.match(r"(.+?)\s+from\s+(.+)", rest)
        skill = resolve_name(world, m.group(1) if m else rest)
        teacher = resolve_name(world, m.group(2)) if m else None
        if m and teacher is None:
            return None  # "learn the ward from maud then leave" is more than a plain command
        if skill in world.campaign.skills:
            return Intent(action=self.action, skill=skill, target=teacher)
        return None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        if actor is None:
            return []
        out = []
        for ch in others_here(world, actor):
            for skill_key in world.spec(ch.key).teaches if ch.alive else []:
                if world.knows_skill(actor.key, skill_key):
                    continue
                skill = world.campaign.skills[skill_key]
                out.append(Candidate.of(
                    world, Intent(action=self.action, skill=skill_key, target=ch.key),
                    f"learn {skill.name} from {ch.name}",
                    [f"ask {ch.name} to teach me the {skill.name}", f"study the {skill.name} with {ch.name}",
                     f"train with {ch.name}", f"learn the {skill.name}", f"please teach me, {ch.name}",
                     *([f"teach me this: {skill.description}"] if skill.description else [])],
                    ch.key, skill_key))
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        teacher, skill = _teacher_and_skill(r.world, actor, intent)
        if not conversation.will_teach(r.world, teacher, r.dice, actor):
            conversation.decline_teaching(r, actor, teacher)
            return
        name = r.world.campaign.skills[skill].name
        r.emit(ev.Said(speaker=teacher.key, text=f"Listen closely. This is the {name}."))
        r.emit(ev.SkillLearned(character=actor.key, skill=skill, teacher=teacher.key))


def _teacher_and_skill(world: World, actor: CharacterState, intent: Intent) -> tuple[CharacterState, str]:
    present = [c for c in world.present() if c.alive and world.spec(c.key).teaches]
    skill = intent.skill or (intent.target if intent.target in world.campaign.skills else None)
    teacher_key = intent.target if intent.target in world.characters else None
    for teacher in present:
        teaches = world.spec(teacher.key).teaches
        if teacher_key not in (None, teacher.key):
            continue
        wanted = [s for s in teaches if (skill is None or s == skill) and not world.knows_skill(actor.key, s)]
        if wanted:
            return teacher, wanted[0]
    if skill and world.knows_skill(actor.key, skill):
        raise Refusal(f"You already know the {world.campaign.skills[skill].name}.")
    if teacher_key and teacher_key in world.characters:
        raise Refusal(f"{world.characters[teacher_key].name} has nothing to teach you.")
    raise Refusal("No one here can teach you that.")


SPEC = Learn()
