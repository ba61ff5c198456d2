"""attack: strike an enemy here with your weapon (starting a fight if there is none)."""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate, others_here, parse_target
from gm.actions.naming import descriptor, name_words
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules import conversation
from gm.rules.engine import Resolution, attack_roll, hostile_target, start_combat, weapon
from gm.state.world import CharacterState, World

# general words for whoever one fights
_FOES = {"monster", "enemy", "creature", "foe", "it", "them", "beast", "thing"}


def enemies_here(world: World, actor: CharacterState | None) -> list[CharacterState]:
    """Who can be fought here: the living hostile and monsters outside the party."""
    return [ch for ch in others_here(world, actor) if ch.alive and not ch.in_party
            and (ch.disposition == "hostile" or ch.kind is CharacterKind.monster)]


class Attack(ActionSpec):
    action = Action.attack
    verbs = ("attack", "fight", "hit", "strike", "kill")
    usage = "attack <enemy>"
    help = "strike an enemy with your weapon"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('attack', 'fight', 'hit', 'strike', 'kill', 'stab', 'shoot', 'swing', 'slash', 'lunge', 'charge',
            'punch', 'kick', 'fire', 'arrow', 'loose', 'smash', 'thrust', 'drive', 'slay', 'bash', 'cut',
            'shoot at', 'draw', 'aim', 'skewer', 'impale', 'hack at', 'go for', 'go at', 'have at', 'take on',
            'rush', 'tackle', 'pounce on', 'jump on', 'lay into', 'open fire', 'gut', 'smite', 'cleave', 'whack',
            'clobber', 'pummel', 'maul', 'bludgeon', 'finish off', 'cut down', 'run through', 'riposte',
            'en garde', 'unsheathe')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        return parse_target(self.action, rest, world, optional=True)

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        out = []
        for ch in enemies_here(world, actor):
            desc = descriptor(ch.appearance)
            cand = Candidate.of(
                world, Intent(action=self.action, target=ch.key), f"attack {ch.name}",
                [f"fight the {desc}", f"hit {ch.name}", f"strike at {ch.name}", f"charge at the {desc}",
                 f"swing at {ch.name}", f"shoot {ch.name}", f"stab the {desc}", f"hit {ch.name} with my weapon",
                 f"fire at the {desc}", "attack the monster"], ch.key)
            cand.names |= _FOES
            if actor is not None:  # "stab the troll with my knife": the weapon in hand takes part in the attack
                held = [i.key for i in world.inventory(actor.key)]
                cand.keys += tuple(held)
                cand.names |= {word for key in held for word in name_words(world, key)}
            out.append(cand)
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        target = hostile_target(r.world, actor, intent, "attack")
        conversation.witnessed_attack(r, actor, target)
        if r.world.combat is None:
            start_combat(r, first=actor.key)
        r.emit(ev.Pose(character=actor.key, pose="fighting"))
        name, bonus, damage = weapon(r.world, actor)
        attack_roll(r, actor, target, bonus=bonus, damage=damage, name=name)


SPEC = Attack()
