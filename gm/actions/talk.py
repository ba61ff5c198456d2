"""talk: speak with someone here, or ask them something; they answer from what they know (gm.rules.conversation)."""

from __future__ import annotations

from gm.actions.base import ActionSpec, Candidate, others_here, parse_target
from gm.actions.naming import descriptor
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules import conversation
from gm.rules.engine import Refusal, Resolution, only_one, present_character
from gm.state.world import CharacterState, World


class Talk(ActionSpec):
    action = Action.talk
    verbs = ("talk to", "talk with", "talk", "speak to", "speak with", "ask", "chat with")
    usage = "talk to <someone>"
    help = "speak with someone here"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('talk', 'speak', 'chat', 'ask', 'say', 'greet', 'tell', 'thank', 'hello', 'hi', 'hey', 'question',
            'nod', 'wave', 'bow', 'whisper', 'shout', 'call', 'reply', 'answer', 'introduce', 'chat up', 'wink',
            'smile at', 'grin at', 'whistle at', 'salute', 'curtsy', 'tip my hat', 'warn', 'explain', 'promise',
            'apologize', 'apologise', 'confess', 'reassure him', 'reassure her', 'beg', 'have a word', 'a word with',
            # (one word each: a cue's words are words of acting, never names of things, "well" or "aboard")
            'ty', 'thx', 'sorry', 'cheers')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        return parse_target(self.action, rest, world, optional=True)

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        out = []
        for ch in others_here(world, actor):
            if not ch.alive or ch.disposition == "hostile" or ch.kind is CharacterKind.pc:
                continue  # (a fellow player's character is theirs to voice, not the game master's)
            spec, desc = world.spec(ch.key), descriptor(ch.appearance)
            out.append(Candidate.of(
                world, Intent(action=self.action, target=ch.key), f"talk to {ch.name}",
                [f"speak with {ch.name}", f"ask {ch.name} what happened", f"chat with the {desc}",
                 f"say hello to {ch.name}", f"ask {ch.name} for help", f"greet the {desc}",
                 f"ask {ch.name} about the trouble", f"question {ch.name}"]
                # what they know and who they are: "ask the old man about the light" finds the lamplighter
                + [f"ask {ch.name} about {fact.text}" for fact in spec.knows]
                + ([f"talk to {ch.name}. {spec.persona}"] if spec.persona else []),
                ch.key))
        for ent in world.entities_at():  # whatever an /event brought can be spoken to
            out.append(Candidate.of(
                world, Intent(action=self.action, target=ent.key), f"talk to the {ent.name}",
                [f"speak with the {ent.name}", f"ask the {ent.name} a question", f"greet the {ent.name}"], ent.key))
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        key = intent.target or only_one([c for c in world.present() if not c.in_party], "talk to")
        if key in world.entities and world.entities[key].location == world.party_location:
            conversation.answer_stranger(r, actor, key, intent)
            return
        npc = present_character(world, key, "talk to")
        if npc.key == actor.key:
            raise Refusal("You mutter to yourself.")
        if not npc.alive:
            raise Refusal(f"{npc.name} cannot answer any more.")
        if npc.disposition == "hostile":
            raise Refusal(f"{npc.name} is in no mood to talk.")
        conversation.answer(r, actor, npc, intent)


SPEC = Talk()
