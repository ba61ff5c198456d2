"""recruit: ask a companion here to join the party (their campaign condition may call for a roll)."""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate, others_here, parse_target
from gm.actions.naming import descriptor
from gm.campaign.conditions import about
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules.engine import Refusal, Resolution, only_one, present_character
from gm.state.world import CharacterState, World


class Recruit(ActionSpec):
    action = Action.recruit
    verbs = ("recruit", "invite")
    usage = "recruit <companion>"
    help = "ask a companion to join the party"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('recruit', 'invite', 'join', 'come with', 'come along', 'follow me', 'follow us', 'on my team',
            'on our team', 'tag along', "let's go", "let's roll", 'help me', 'help us', 'with me', 'with us',
            'befriend', 'be friends', 'come on', 'team up', 'my companion', 'our party', 'accompany', 'follow along',
            'stick with', 'you in', 'want in', 'partner up', 'a partner', 'ride with', 'count you in', 'be my',
            'my buddy', 'travel buddy', 'my sidekick', 'my ally', 'you and i', 'you and me', 'go together',
            'travel together', 'together we', 'work for me',
            'work with me', 'ride along')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        return parse_target(self.action, rest, world, optional=True)

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        out = []
        for ch in others_here(world, actor):
            # a companion already with you stays a candidate: asking again gets the rules' "already with you"
            if ch.kind is CharacterKind.companion and ch.alive:
                desc = descriptor(ch.appearance)
                out.append(Candidate.of(
                    world, Intent(action=self.action, target=ch.key), f"ask {ch.name} to join the party",
                    [f"recruit {ch.name}", f"invite {ch.name} to come along", f"befriend the {desc}",
                     f"ask {ch.name} to follow me", f"convince {ch.name} to help me fight"], ch.key))
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        key = intent.target or only_one([c for c in world.present() if c.kind is CharacterKind.companion
                                         and not c.in_party], "ask to join you")
        who = present_character(world, key, "recruit")
        if who.in_party:
            raise Refusal(f"{who.name} is already with you.")
        if who.kind is not CharacterKind.companion or not who.alive or "hostile" in (who.disposition, who.attitude):
            raise Refusal(f"{who.name} will not join you.")
        condition = world.spec(who.key).recruit
        if condition is None or about(condition, who.key).holds(world, r.dice, actor.key):
            r.emit(ev.Recruited(character=who.key))
            r.emit(ev.Pose(character=who.key, pose="following"))
        else:
            r.emit(ev.RecruitFailed(character=who.key))


SPEC = Recruit()
