"""A canonical-command policy that plays a campaign to its end through the real game API."""

from __future__ import annotations

from gm.game import Game


def play_to_end(game: Game, opening: list[str], boss: str, arena: str, attack: str, back: str, there: str,
                closing: list[str], max_turns: int = 120, on_turn=None, rest: str = "rest") -> list:
    """Play ``opening``, then fight ``boss`` at ``arena`` (fleeing ``back`` to rest when hurt and
    returning ``there``), then ``closing``. Returns every turn result; ``on_turn(result)`` sees each
    as it happens."""
    results: list = []

    def act(line: str):
        result = game.act(line)
        results.append(result)
        if on_turn is not None:
            on_turn(result)

    for line in opening:
        act(line)
    for _ in range(max_turns):
        world = game.world()
        if not world.characters[boss].alive:
            break
        pc = world.pcs()[0]
        if world.party_location == arena:
            line = back if pc.hp <= 5 else attack
        else:
            line = rest if pc.hp < pc.max_hp else there
        act(line)
    else:
        raise AssertionError(f"{boss} still standing after {max_turns} turns")
    for line in closing:
        act(line)
    return results


NEON_OPENING = ["north", "talk to kenji", "take rice ball", "up", "talk to sayuri",
                "learn purifying chant from sayuri", "down", "south", "east", "give rice ball to hachi", "east"]
NEON_CLOSING = ["take shrine bell", "west", "west", "north", "give shrine bell to kenji"]


def play_neon(game: Game, on_turn=None) -> list:
    """The external conformance campaign (../shared/fixtures/neon-shrine.yaml) to its last quest stage."""
    return play_to_end(game, NEON_OPENING, boss="leviathan", arena="harbor",
                       attack="use purifying chant on leviathan", back="west", there="east", closing=NEON_CLOSING,
                       on_turn=on_turn)


SHIPPED = {
    "lantern-of-mirefen": dict(
        opening=["talk to tomas", "north", "talk to maud", "take smoked fish", "learn sunfire ward from maud",
                 "south", "east", "give smoked fish to bramble", "east"],
        boss="bog-troll", arena="sunken-chapel", attack="use sunfire ward on bog troll", back="west", there="east",
        closing=["take heart-stone", "west", "west", "give heart-stone to tomas"]),
    "derelict-signal": dict(
        opening=["take power cell", "north", "talk to dr okafor", "learn overclock from okafor", "south", "east",
                 "give power cell to pip", "up"],
        boss="sentry-9", arena="reactor-core", attack="use overclock on sentry", back="down", there="up",
        closing=["take override key", "down", "west", "north", "give override key to okafor"]),
}


MIREFEN_OPENING = SHIPPED["lantern-of-mirefen"]["opening"]


def play_mirefen(game: Game, on_turn=None) -> list:
    """The shipped reference campaign the core tests play, to its last quest stage."""
    return play_to_end(game, **SHIPPED["lantern-of-mirefen"], on_turn=on_turn)
