"""The faithfulness check: model prose is kept only if it cannot contradict the turn.

A sentence passes when it is a real clause (not a fragment), borrows no run of
words from the prompt's examples, names nobody and nothing absent from the scene,
states no number, invents no dialogue, and uses no outcome word (hit, miss, dies,
joins, flees...) unless the turn's events contain that outcome.
"""

from __future__ import annotations

import re

from gm import events as ev
from gm.state.world import World

NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "twenty", "thirty", "hundred", "thousand", "dozen", "half", "once", "twice"}

# outcome words -> the event kinds (and a test on them) that license the word
OUTCOMES: dict[str, tuple[str, ...]] = {
    r"\b(hits?|struck|strikes?|lands? (a|the) blow|wounds?|wounded|injur\w*|bleed\w*|damage\w*)\b": ("hit", "damage"),
    r"\b(miss(es|ed)?|dodg\w*|evad\w*|fails?|failed|failure)\b": ("miss", "recruit_failed"),
    r"\b(dies|died|dead|death|kill\w*|slain|slay\w*|defeat\w*|falls? (down|dead)|collaps\w*)\b": ("defeated",),
    r"\b(joins?|joined|follows?|followed|recruit\w*|companion|ally)\b": ("recruited",),
    r"\b(runs? (off|away)|flee\w*|fled|escap\w*|leaves?|left|vanish\w*|disappear\w*|gone)\b": ("moved", "routed",
                                                                                                "entity_removed"),
    r"\b(learn\w*|teach\w*|taught|master\w*)\b": ("skill_learned", "learned"),
    r"\b(gives?|gave|hands?|handed|takes?|took|grabs?|steal\w*|stole|drops?|dropped)\b": ("gave", "took", "dropped"),
    r"\b(wins?|won|victor\w*|triumph\w*|complete\w*|finish\w*)\b": ("victory", "quest_stage", "campaign_completed"),
    r"\b(heal\w*|recover\w*|rest\w*)\b": ("healed",),
}
AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "does", "do", "did", "can", "could", "will",
               "would", "may", "might", "must", "shall", "should"}
PRONOUNS = {"it", "they", "he", "she", "someone", "something", "everything", "nothing", "this", "that", "we", "you",
            "there"}
FUNCTION_WORDS = {"a", "an", "the", "of", "with", "in", "on", "at", "by", "from", "to", "into", "over", "under",
                  "his", "her", "its", "their", "my", "your", "our", "and", "or", "some", "every", "no"}
BORROWED = 4  # words in a row shared with an example: the line copies the example instead of seeing this place


def clause_problem(sentence: str) -> str | None:
    """None if the sentence is a real clause (a subject, then a finite verb, a full stop), else why not.

    English word classes come from lemminflect's lexicon: a finite verb is a word whose -s or past form it
    is, an auxiliary, or a plural noun's bare verb ('beacons pulse').
    """
    from lemminflect import getAllLemmas, getInflection

    if sentence.rstrip()[-1:] not in (".", "!", "?"):
        return "not a finished sentence"
    tokens = re.findall(r"[A-Za-z][a-z'-]*", sentence)
    words = [w.lower() for w in tokens]
    if len(words) < 2:
        return "a fragment"

    def nounish(i: int) -> bool:
        word = words[i]
        known = getAllLemmas(word)
        return (word in PRONOUNS or "NOUN" in known or "PROPN" in known
                or (tokens[i][0].isupper() and (i > 0 or not known)))  # a name

    for i, word in enumerate(words[1:], 1):
        if words[i - 1] in FUNCTION_WORDS or not any(nounish(j) for j in range(i)):
            continue  # no verb right after 'the' or 'with' ('a witch with jars'), nor before any subject
        if word in AUXILIARIES:
            return None
        for lemma in getAllLemmas(word, "VERB").get("VERB", ()):
            if word in getInflection(lemma, "VBZ") + getInflection(lemma, "VBD"):
                return None
            before = words[i - 1]
            plural = getAllLemmas(before, "NOUN").get("NOUN", (before,))[0] != before
            if word == lemma and (plural or before in ("they", "we", "you")):
                return None
    return "a fragment: no subject and verb"


def borrows(sentence: str, examples: tuple[str, ...]) -> bool:
    words = re.findall(r"[a-z']+", sentence.lower())
    grams = {tuple(words[i:i + BORROWED]) for i in range(len(words) - BORROWED + 1)}
    for example in examples:
        ex = re.findall(r"[a-z']+", example.lower())
        if grams & {tuple(ex[i:i + BORROWED]) for i in range(len(ex) - BORROWED + 1)}:
            return True
    return False


META = re.compile(r"\b(AI|assistant|prompt|instructions?|sentence|example|user|model)\b")


def licensed(events: list[ev.Event]) -> set[str]:
    """The outcome labels this turn's events make true."""
    found: set[str] = set()
    for e in events:
        found.add(e.kind)
        if isinstance(e, ev.Attack):
            found.add("hit" if e.hit else "miss")
        if isinstance(e, ev.CombatEnded) and e.reason == "victory":
            found.add("victory")
    return found


def check_flavor(text: str, world: World, events: list[ev.Event], facts: list[str] = (),
                 examples: tuple[str, ...] = ()) -> str | None:
    """None if the sentence may be shown, else the reason it may not."""
    sentence = text.strip()
    if not sentence:
        return "empty"
    low = sentence.lower().rstrip(".")
    if any(low in f.lower() or f.lower().rstrip(".") in low for f in [*facts, *examples] if f):
        return "repeats a fact or an example"
    if len(sentence.split()) > 40:
        return "too long"
    if (problem := clause_problem(sentence)) is not None:
        return problem
    if borrows(sentence, examples):
        return "copies an example's words"
    counts: dict[str, int] = {}
    for w in re.findall(r"[a-z]{3,}", low):
        counts[w] = counts.get(w, 0) + 1
    if counts and max(counts.values()) > 2:
        return "repeats itself"
    if re.search(r"\d", sentence) or any(w in NUMBER_WORDS for w in re.findall(r"[a-z]+", sentence.lower())):
        return "states a number"
    if re.search(r"[\"“”]|'\s*[A-Z]", sentence):
        return "invents dialogue"
    if META.search(sentence):
        return "talks about itself"
    here = world.party_location
    allowed = scene_name_words(world)
    words = re.findall(r"[A-Za-z][\w'-]*", sentence)
    stranger = unknown_name(words, world, allowed)
    if stranger:
        return stranger
    here_spec = world.campaign.locations[here]
    anchors = {w for w in re.findall(r"[a-z]{3,}", f"{here_spec.visual} {here_spec.description}".lower())} | \
        {w.lower() for w in allowed}
    if not anchors & {w.lower().strip("'s") for w in words}:
        return "not about this place"
    happened = licensed(events)
    for pattern, needs in OUTCOMES.items():
        if re.search(pattern, sentence, re.I) and not happened & set(needs):
            return f"claims an outcome that did not happen ({re.search(pattern, sentence, re.I).group(0)})"
    return None


def scene_name_words(world: World) -> set[str]:
    """The words of every name a sentence about this scene may use: who and what is here, and the place."""
    present = {c.name for c in world.present()} | {e.name for e in world.entities_at()} | \
        {i.name for i in world.items_at()} | {i.name for c in world.present() for i in world.inventory(c.key)}
    return {w for name in present | {world.campaign.locations[world.party_location].name} for w in name.split()}


def unknown_name(words: list[str], world: World, allowed: set[str]) -> str | None:
    """Why the words name someone or something they may not (one absent, or unknown to the game), or None."""
    every_name = {w for c in world.characters.values() for w in c.name.split()} | \
        {w for loc in world.campaign.locations.values() for w in loc.name.split()}
    for i, word in enumerate(words):
        bare = word.rstrip("'s") if word.endswith("'s") else word
        if bare in every_name and bare not in allowed:
            return f"names {bare}, who is not here"
        if i > 0 and word[0].isupper() and bare not in allowed and word not in ("I",):
            return f"names {word}, unknown to the scene"
    return None


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}


def check_speech(text: str, world: World, events: list[ev.Event], speaker: str, said: str = "") -> str | None:
    """None if a line a model wrote for ``speaker`` may be shown, else why not.

    Besides the flavor rules (no name the scene lacks, no number, no outcome the rules did not decide),
    the speaker may only speak of what it knows: its own `knows` and `topics`, its persona, the scene,
    and what the rules had it say this turn (``said``). A sentence that borrows the words of a fact it
    does not know is refused.
    """
    sentence = text.strip().strip('"“”').strip()
    if not sentence:
        return "empty"
    if len(sentence.split()) > 40:
        return "too long"
    if META.search(sentence):
        return "talks about itself"
    spec = world.spec(speaker) if speaker in world.characters else None
    own = [said] + ([f.text for f in spec.knows] + [t.says for t in spec.topics.values()] + [spec.persona]
                    if spec else [])
    own_text = " ".join(own)
    if re.search(r"\d", sentence) and not set(re.findall(r"\d+", sentence)) <= set(re.findall(r"\d+", own_text)):
        return "states a number"
    words = re.findall(r"[A-Za-z][\w'-]*", sentence)
    allowed = scene_name_words(world) | {w for w in re.findall(r"[A-Z][\w'-]*", own_text)}
    stranger = unknown_name(words, world, allowed)
    if stranger:
        return stranger
    familiar = _content_words(own_text) | _content_words(" ".join(allowed))
    for fact in world.campaign.facts().values():
        if spec is not None and fact in spec.knows:
            continue
        borrowed = (_content_words(sentence) & _content_words(fact.text)) - familiar
        if len(borrowed) >= 2:
            return f"speaks of what {speaker} does not know ({', '.join(sorted(borrowed))})"
    happened = licensed(events)
    for pattern, needs in OUTCOMES.items():
        match = re.search(pattern, sentence, re.I)
        if match and not happened & set(needs) and not re.search(pattern, own_text, re.I):
            return f"claims an outcome that did not happen ({match.group(0)})"
    return None


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return (match.group(1) if match else text).strip()
