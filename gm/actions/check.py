"""check: the open action, anything a character attempts that no other action covers, settled by a stat roll."""

from __future__ import annotations

from gm.actions.base import ActionSpec
from gm.intent import Action, Intent
from gm.rules.dice import modifier
from gm.rules.engine import Refusal, Resolution
from gm.state.world import CharacterState, World


# What players attempt that no other action covers, by the everyday words for it (general English): the first
# word of each entry is the approach recorded on the intent.
APPROACHES: dict[str, tuple[str, ...]] = {
    "search": ("search", "rummage", "look for", "hunt for", "dig through", "scour", "ransack", "go through",
               "look through", "check for", "salvage", "scavenge", "investigate", "inspect", "examine"),
    "listen": ("listen", "eavesdrop"),
    "track": ("track", "tracks", "footprints", "trail"),
    "climb": ("climb", "scale", "clamber", "shimmy"),
    "sneak": ("sneak", "creep", "tiptoe", "stalk", "quietly", "unseen", "without anyone seeing"),
    "hide": ("hide", "take cover", "for cover", "duck behind", "dive behind", "conceal"),
    "force": ("force", "pry", "break open", "kick open", "bash open", "smash open", "break down", "shove open"),
    "read": ("read", "decipher", "decode", "translate"),
    "persuade": ("persuade", "convince", "sweet-talk", "sweet talk", "charm", "coax", "talk into", "flatter"),
    "intimidate": ("intimidate", "threaten", "scare", "frighten", "menace", "demand", "in his face", "in her face",
                   "face and demand", "bully"),
    "hack": ("hack", "override", "bypass"),
    "repair": ("repair", "fix", "mend", "patch", "tinker"),
    "haggle": ("haggle", "bargain", "barter"),
    "balance": ("balance", "tightrope"),
    "pick": ("pick the lock", "lockpick", "pick lock"),
}

# What each of the default stats covers, for choosing a check's stat when a campaign doesn't describe its own
# (``rules.stat_descriptions``); only used for stats with these default names.
DEFAULT_STAT_DESCRIPTIONS = {
    "might": "strength and force: climbing, lifting, breaking, forcing doors, swimming, intimidating by strength",
    "grace": "agility and stealth: sneaking, hiding, dodging, balancing, climbing nimbly, quick hands",
    "wits": "perception and knowledge: searching, noticing, listening, tracking, reading, repairing, hacking",
    "spirit": "presence and will: persuading, charming, bargaining, intimidating with words, resisting fear",
}


class Check(ActionSpec):
    action = Action.check
    help = "attempt something no other action covers (search, climb, force, sneak ...): a stat roll"
    cues = tuple(cue for words in APPROACHES.values() for cue in words)

    def parse(self, rest: str, world: World) -> Intent | None:
        return None

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        stat = intent.stat or "wits"
        if stat not in world.campaign.rules.stats:
            raise Refusal(f"There is no {stat} here; the stats are {', '.join(world.campaign.rules.stats)}.")
        dc_name = intent.target if intent.target in world.campaign.rules.difficulty else "medium"
        dc = world.campaign.rules.difficulty.get(dc_name, 12)
        r.dice.roll(f"1d20{modifier(actor.stat(stat))}", dc=dc, who=actor.key, purpose=f"{stat} check")


SPEC = Check()
