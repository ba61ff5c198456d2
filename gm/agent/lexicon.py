"""Everyday words for the things in a scene: which thing a word the campaign never wrote stands for.

A campaign names a character "Bramble" and describes him as a "grey wolfhound"; a player writes "the wolf".
An item is a "Power Cell"; a player asks whether the drone wants "my battery". No name, alias or description
holds those words, so the name index cannot see them. The lexicon compares such a word with each word that
names a thing here (its name, aliases and descriptor, from campaign data) using the sentence-embedding model's
vectors: a word close enough to exactly one thing's words, and clearly closer to it than to anything else,
may stand for that thing.

This replaces a hand-written hypernym table (campaign words in the engine, #10). The model is a general
language resource; nothing here knows a campaign. A word the lexicon links is only a *possible* reading
(:attr:`gm.agent.grounding.Clause.maybe`): it lets a candidate about that thing be considered, never rules
another out, and a candidate still has to be the best match for the whole line.

Why the embedder rather than a WordNet: no PyPI distribution checked ships WordNet's relations inside its wheel
(``wn`` and ``nltk`` download their data from elsewhere at run time, which a deployment here cannot do;
``wordnet-lookup`` holds only the word list), and the embedding model is already installed and loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

Vectors = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows (the grounder's cached embedder)

# Measured on the development set (#10): synonyms and near-hypernyms score 0.5-0.85 against a name word
# ("wolf"/"wolfhound" 0.85, "rock"/"stone" 0.71, "doc"/"doctor" 0.68, "battery"/"power" ...), unrelated pairs
# below 0.45; the margin keeps a word that is near two things ("light": lantern and lantern-post) unlinked.
LIKENESS = 0.55
MARGIN = 0.08

# What feeding gives: the general sense a thing's name must have to be what "feed the dog" hands over.
# Against item names, "edible food" set a smoked fish 0.2 above a hunting knife, where "food" alone or
# "something to eat" put them within 0.1 (the model reads "hunting" as food-related); a power cell and an
# arc cutter are both near 0, so a robot's "feed" is still a question.
FOOD = "edible food"
KIND_MARGIN = 0.1


class Lexicon:
    """Links words that name nothing in the campaign to the one thing here they most likely stand for."""

    def __init__(self, vectors: Vectors, likeness: float = LIKENESS, margin: float = MARGIN):
        self.vectors, self.likeness, self.margin = vectors, likeness, margin

    def stands_for(self, unknown: Iterable[str], things: dict[str, set[str]]) -> dict[str, str]:
        """``{word: key}`` for each word of ``unknown`` that stands for exactly one of ``things``
        (``{key: the words that name it}``), by its likeness to the nearest word of each."""
        unknown = sorted({w for w in unknown if len(w) > 2 and w.isalpha()})
        keys = [k for k, names in things.items() if names]
        if not unknown or not keys:
            return {}
        name_words = sorted({w for k in keys for w in things[k]})
        column = {w: i for i, w in enumerate(name_words)}
        sims = self.vectors(unknown) @ self.vectors(name_words).T  # word x name word
        # each thing's likeness to a word is that of its nearest naming word
        per_thing = np.stack([sims[:, [column[w] for w in things[k]]].max(axis=1) for k in keys], axis=1)
        found = {}
        for i, word in enumerate(unknown):
            order = np.argsort(-per_thing[i])
            best = float(per_thing[i, order[0]])
            second = float(per_thing[i, order[1]]) if len(keys) > 1 else -1.0
            if best >= self.likeness and best - second >= self.margin:
                found[word] = keys[int(order[0])]
        return found

    def clearly_a(self, kind: str, texts: Sequence[str], margin: float = KIND_MARGIN) -> int | None:
        """The index of the one text clearly more like ``kind`` (a general sense such as :data:`FOOD`) than
        every other, else None ("feed the wolf" with a smoked fish and a knife in hand is the fish)."""
        if len(texts) < 2:
            return 0 if texts else None
        sims = self.vectors(list(texts)) @ self.vectors([kind])[0]
        order = np.argsort(-sims)
        return int(order[0]) if sims[order[0]] - sims[order[1]] >= margin else None
