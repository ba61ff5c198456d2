"""Judging an open action: which stat it tests, how hard it is, which authored attempt it is.

A ``check`` intent leaves the words with an approach (``climb``) and maybe a
target; :class:`CheckJudge` completes it before the rules see it. Authored data
decides first (a feature's check names its stat and difficulty). Otherwise a
configured chat model picks the stat and the difficulty tier as constrained
choices among the campaign's own; with no model, the stat is the one whose
description (``rules.stat_descriptions``) the words are nearest to by
embeddings, and the tier is the campaign's middle one. A choice can only ever be
one of the options, and the rules validate the result again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gm.agent.narrate import templates
from gm.intent import Action, Intent
from gm.state.world import World

Embedder = Callable[[Sequence[str]], np.ndarray]


# What the stats of tabletop games are for, in general language: a stat a campaign names but does not describe
# (``rules.stat_descriptions``) is read as the archetype its name is nearest to.
ARCHETYPES = (
    "strength, might, brawn, power, muscle: climbing, forcing, lifting, breaking, pushing, grappling",
    "agility, grace, dexterity, speed, reflexes, nimbleness: sneaking, hiding, dodging, balancing, jumping, "
    "picking locks, sleight of hand",
    "wits, intellect, intelligence, perception, cunning, smarts, mind: searching, noticing, reading, tracking, "
    "investigating, hacking, repairing, figuring out",
    "charm, charisma, presence, personality, style: persuading, bluffing, performing, haggling, intimidating",
    "spirit, will, wisdom, faith, heart, soul: calming, sensing, praying, resisting fear, empathy with animals",
    "toughness, endurance, constitution, grit, vigor, stamina: enduring, holding on, swimming, resisting",
)


class CheckJudge:
    def __init__(self, embed: Embedder | None = None, model=None):
        self.embed = embed
        self.model = model  # a LanguageModel with ``choose``; only chat models are trusted with judgment
        self._archetypes: dict[str, str] = {}

    def settle(self, world: World, text: str, intent: Intent) -> Intent:
        """The check intent with stat, tier and (where the words fit one) an authored attempt decided."""
        if intent.action is not Action.check:
            return intent
        rules = world.campaign.rules
        words = intent.text or text
        approach = (intent.approach or "").lower() or None
        target = intent.target
        features = dict(world.features_here())
        if self.model is not None and (target is None or target in features):
            # the model may see an authored attempt in words the embeddings matched to something generic
            authored = [(key, a) for key, f in features.items() for a in f.checks]
            if authored:
                labels = [f"{a} the {features[key].name}" for key, a in authored] + ["none of these"]
                pick = self._choose(world, "attempt", words, labels)
                if pick is not None and pick < len(authored):
                    target, approach = authored[pick]
        feature = features.get(target or "")
        check = feature.checks.get(approach or "") if feature else None
        if check is not None and check.stat:
            stat = check.stat
        elif intent.stat in rules.stats:
            stat = intent.stat
        else:
            stat = self.pick_stat(world, words, approach)
        if check is not None:
            tier = check.dc if isinstance(check.dc, str) else None
        else:
            tier = intent.dc if intent.dc in rules.difficulty else self.pick_tier(world, words)
        return intent.model_copy(update={"stat": stat, "dc": tier, "approach": approach, "target": target,
                                         "text": words})

    def pick_stat(self, world: World, words: str, approach: str | None = None) -> str:
        rules = world.campaign.rules
        stats = list(rules.stats)
        labels = [f"{s}: {rules.stat_descriptions.get(s) or self._archetype(s)}" for s in stats]
        if self.model is not None:
            pick = self._choose(world, "stat", words, labels)
            if pick is not None:
                return stats[pick]
        if self.embed is not None and len(stats) > 1:
            # the verb says most ("search" is perception wherever it happens); the rest of the words less
            query = [approach or words, words]
            vectors = self.embed([q.lower() for q in query] + [label.lower() for label in labels])
            scores = vectors[2:] @ vectors[0] + 0.5 * (vectors[2:] @ vectors[1])
            return stats[int(np.argmax(scores))]
        return stats[0]

    def _archetype(self, stat: str) -> str:
        """What a stat the campaign did not describe is for: the tabletop archetype its name is nearest to
        ("grace" is agility, "wits" perception), or just its name without an embedder."""
        if self.embed is None:
            return stat
        if stat not in self._archetypes:
            names = [a.split(":")[0] for a in ARCHETYPES]
            vectors = self.embed([stat.lower(), *names])
            self._archetypes[stat] = ARCHETYPES[int(np.argmax(vectors[1:] @ vectors[0]))].split(": ", 1)[1]
        return self._archetypes[stat]

    def pick_tier(self, world: World, words: str) -> str:
        tiers = sorted(world.campaign.rules.difficulty, key=world.campaign.rules.difficulty.get)
        if self.model is not None:
            pick = self._choose(world, "difficulty", words, [f"{t} (DC {world.campaign.rules.difficulty[t]})"
                                                             for t in tiers])
            if pick is not None:
                return tiers[pick]
        return "medium" if "medium" in tiers else tiers[len(tiers) // 2]

    def _choose(self, world: World, what: str, words: str, labels: list[str]) -> int | None:
        here = world.campaign.locations[world.party_location]
        prompt = templates(world.campaign).render("judge_check.j2", what=what, words=words, place=here.name,
                                                  description=here.description, options=labels)
        try:
            pick = self.model.choose(prompt, labels)
        except Exception:  # a model that is down or answers garbage: the defaults decide, the turn goes on
            return None
        return pick if isinstance(pick, int) and 0 <= pick < len(labels) else None
