"""Grounding free text against the scene: enumerate what can happen here, then choose.

Every candidate intent that can exist in the current scene (each action with
each entity, exit, item or skill it can apply to) gets a few natural phrasings.
A sentence-embedding model ranks candidates by similarity to the player's
words, with a bonus when the words name the candidate's target; the language
model is asked to choose among the top few only when they are close (or when a
stronger model is configured). A choice can only ever be one of the
candidates, so an intent can only name something real; too weak a match is a
clarification that changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from gm.actions import REGISTRY, Candidate
from gm.actions import candidates as scene_candidates
from gm.actions.naming import name_words, words
from gm.agent.interpret import Interpretation
from gm.state.world import World

# Words that ask the game master to break its rules. Never an action.
_INJECTION = re.compile(r"\b(ignore (all |your |the |previous |prior )*(instructions|rules|prompt)|system prompt|"
                        r"you are now|developer mode|give me \d+|set my (hp|health|stats?)|\d{3,} ?(hp|health|gold))\b",
                        re.I)

Embedder = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows
Chooser = Callable[[World, str, list[Candidate]], int | None]  # the language model's pick, or None


def candidates(world: World, actor: str | None = None) -> list[Candidate]:
    """Every intent that could apply in the current scene, with phrasings to match against (from the registry)."""
    pcs = world.pcs()
    me = world.characters[actor] if actor else (pcs[0] if pcs else None)
    return scene_candidates(world, me)


class EmbeddingGrounder:
    """Ranks the scene's candidate intents by embedding similarity, with a name bonus."""

    def __init__(self, embed: Embedder, chooser: Chooser | None = None, *, floor: float = 0.35,
                 close: float = 0.03, name_bonus: float = 0.12, always_ask_model: bool = False, judge=None):
        from gm.agent.checks import CheckJudge

        self.embed = embed
        self.judge = judge or CheckJudge(embed)  # settles open actions: stat and difficulty
        self.chooser = chooser
        self.floor, self.close, self.name_bonus = floor, close, name_bonus
        self.always_ask_model = always_ask_model
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, row in zip(missing, self.embed(missing)):
                self._cache[text] = row
        return np.stack([self._cache[t] for t in texts])

    def rank(self, world: World, text: str, actor: str | None = None) -> list[tuple[Candidate, float]]:
        options = candidates(world, actor)
        phrases = [p.lower() for c in options for p in c.phrasings]
        matrix = self._vectors(phrases)
        query = self.embed([text.lower()])[0]
        sims = matrix @ query
        said = words(text)
        involved = {key for cand in options for key in cand.keys} - {world.party_location}
        mentioned = {key for key in involved if said & name_words(world, key)}
        scored, i = [], 0
        for cand in options:
            n = len(cand.phrasings)
            score = float(sims[i:i + n].max())
            i += n
            if cand.names and said & cand.names:
                score += self.name_bonus
            elif REGISTRY[cand.intent.action].targeted:
                score -= self.name_bonus / 2  # a targeted action whose target the player never named
            # everything the player named should take part: "toss the rice ball to the dog" is no drop
            score -= self.name_bonus * len(mentioned - set(cand.keys))
            scored.append((cand, score))
        return sorted(scored, key=lambda cs: -cs[1])

    def ground(self, world: World, text: str) -> Interpretation:
        if _INJECTION.search(text):
            return Interpretation("clarify", clarification="The world does not bend to that. What does your "
                                                           "character do?", via="embedding")
        ranked = self.rank(world, text)
        top = [(c.label, round(s, 3)) for c, s in ranked[:3]]
        best, score = ranked[0]
        if score < self.floor:
            options = " or ".join(c.label for c, _ in ranked[:2])
            return Interpretation("clarify", clarification=f"I'm not sure what you mean. Do you want to {options}?",
                                  via="embedding", candidates=top)
        margin = score - ranked[1][1] if len(ranked) > 1 else 1.0
        close = [c for c, s in ranked[:3] if score - s < self.close]
        options = [(c.label, c.intent) for c in close] if len(close) > 1 else []
        if self.chooser is not None and (self.always_ask_model or margin < self.close):
            shortlist = [c for c, _ in ranked[:3]]
            pick = self.chooser(world, text, shortlist)
            if pick is not None:
                return Interpretation("action", intent=shortlist[pick].intent, via="model", candidates=top,
                                      options=options)
        return Interpretation("action", intent=best.intent, via="embedding", candidates=top, options=options)
