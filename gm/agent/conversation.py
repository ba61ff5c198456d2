"""What the player's words ask a character about: a constrained choice among the character's own topics.

For a ``talk`` intent the words become ``Intent.topic`` (one of the character's `knows` fact ids or
`topics` ids, or None) and ``Intent.text`` (the words, or None when they only greet). Sentence
embeddings rank the character's topics against the words, with a bonus for each word they share; a
configured language model may pick among the closest few or "none of these", as a constrained choice.
Whether the character tells it, recalls it or declines is for the rules (:mod:`gm.rules.conversation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gm.actions.naming import STOP, descriptor, name_words
from gm.agent.commands import normalize
from gm.agent.models import EmbeddingCache, LanguageModel, ModelError
from gm.agent.narrate import templates
from gm.agent.reading import inflected_from
from gm.campaign.conditions import Learned, leaves
from gm.campaign.memo import per_campaign
from gm.intent import Action, Intent
from gm.state.world import World

Embedder = Callable[[Sequence[str]], np.ndarray]
Notify = Callable[[str], None]

# What people say when they open a conversation without asking anything in particular: general language.
SMALL_TALK = ("hello", "hi there", "good day", "what happened here", "what is going on", "any news",
              "can you help me", "tell me what you know", "what do you know", "talk to you", "how are you")
# words that point back at what was just said (never at the listener: "ask her about the mech" is a new topic)
_BACK_POINTERS = {"it", "its", "they", "them", "their", "that", "this", "there", "those"}
_STOP = {"the", "a", "an", "of", "to", "and", "with", "on", "in", "at", "my", "your", "his", "her", "its", "some",
         "from", "for", "into", "that", "this", "is", "are", "was", "were", "be", "i", "me", "you", "do", "does",
         "did", "what", "where", "who", "why", "how", "when", "about", "ask", "tell", "talk", "speak", "say",
         "know", "can", "could", "would", "there", "here", "any", "it", "we", "us", "our", "please"}


@dataclass(frozen=True)
class TopicOption:
    id: str
    label: str  # how the topic reads to a person (and a model choosing)
    texts: tuple[str, ...]  # what is matched against the words
    phrases: tuple[str, ...] = ()  # how it is put (`about`): each shares its words only when all are said

    def phrased(self, said: set[str]) -> bool:
        """Whether the words say one of its `about` phrases whole, of two meaningful words or more ("how long
        we've been stuck"): the author's own way of putting the question."""
        return any(len(_content(p)) >= 2 and _content(p) <= said for p in self.phrases)

    def shared(self, said: set[str]) -> set[str]:
        """The meaningful words the player's words share with this topic: any word of its facts, and the words
        of an `about` phrase said whole ("the kettle" is asked about; "old man" does not ask for Old Maud)."""
        found = said & _content(" ".join(t for t in self.texts if t not in self.phrases))
        for phrase in self.phrases:
            if _content(phrase) <= said:
                found |= _content(phrase)
        return found


def topic_options(world: World, speaker: str) -> list[TopicOption]:
    """The things ``speaker`` can be asked about: its `knows` facts and authored `topics`."""
    if speaker not in world.characters:
        return []
    spec = world.spec(speaker)
    facts = {f.id: f.text for f in spec.knows}
    sought = _sought(world.campaign)
    behind_topics = {t.reveals for t in spec.topics.values()}  # asked for through its topic
    described = {key: _described(world, text) for key, text in facts.items()}
    out = [TopicOption(key, text, (text, *described[key], *sought.get(key, ()))) for key, text in facts.items()
           if key not in behind_topics]
    for key, topic in spec.topics.items():  # a question matches how it is put (`about`), or the fact it reveals
        texts = (*topic.about, facts[topic.reveals], *described[topic.reveals], *sought.get(topic.reveals, ())) \
            if topic.reveals in facts else tuple(topic.about)
        out.append(TopicOption(key, ", ".join(topic.about), texts, tuple(topic.about)))
    return out


def _described(world: World, text: str) -> tuple[str, ...]:
    """A fact told with its characters' names as a stranger would put them ("SENTRY-9 went rogue" -> "the
    towering bipedal security mech went rogue"): players ask about what they see, not what it is called."""
    told = text
    for key in world.campaign.characters:
        spec = world.campaign.characters[key]
        looks = descriptor(spec.appearance) if spec.appearance else ""
        if looks and re.search(rf"\b{re.escape(spec.name)}\b", told):
            told = re.sub(rf"\b(the )?{re.escape(spec.name)}\b", f"the {looks}", told)
    return (told,) if told != text else ()


def _sought(campaign) -> dict[str, tuple[str, ...]]:
    """Each fact a quest stage waits for, to the stage's goal: the question the fact answers, in the author's
    words ("Find out who robbed the stage" for "It was Jack Cobb's bunch ..."), which players ask in theirs."""
    found: dict[str, list[str]] = {}
    for quest in campaign.quests.values():
        for stage in quest.stages:
            for leaf in leaves(stage.complete_when):
                if isinstance(leaf, Learned):
                    found.setdefault(leaf.learned, []).append(stage.goal)
    return {k: tuple(v) for k, v in found.items()}


_ASKS_WHY = re.compile(r"\b(why|how come|what happened|what's happened|whats happened|what's going on|whats going on|"
                       r"what went wrong|what's wrong|whats wrong)\b")
_ASKS = re.compile(r"^(who|what|whats|what's|why|how|did|do you know)\b")


def _asks_what_happened(words: str) -> bool:
    """Whether the words ask what happened, why or who did something ("who put out the light?", "why did the
    mech go crazy?"), which the facts that tell an event answer."""
    text = normalize(words)
    if re.search(r"\bwhere\b", text):
        return False  # "where did the priest go?" asks for a place
    if _ASKS_WHY.search(text):
        return True
    return bool(_ASKS.search(text)) and any(_past(w) for w in text.split()[1:])


def _narrates(text: str) -> bool:
    """Whether a fact tells an event (a verb in the past: "the troll crept up and tore the stone away"; not
    "shut", which may be the present)."""
    return any(_past(w, strictly=True) for w in normalize(text).split())


def _past(word: str, strictly: bool = False) -> bool:
    """Whether ``word`` is a verb in the past (``strictly``: one that is not also its present, as "shut" is);
    the verbs that only carry others ("was", "had", "did", "said") tell no event."""
    if word in {"was", "were", "had", "did", "said", "been"}:
        return False
    return any(not (strictly and lemma == word) for lemma in inflected_from(word, "VBD"))


@per_campaign
def _being_index(campaign) -> dict[str, str]:
    """Each word that names exactly one character, item or place of the campaign, to its id."""
    world = World.new(campaign, 0)  # names of the campaign's own things, as a new game has them
    owners: dict[str, set[str]] = {}
    for key in [*campaign.characters, *campaign.items, *campaign.locations]:
        for word in name_words(world, key) - STOP:
            owners.setdefault(word, set()).add(key)
    return {w: next(iter(keys)) for w, keys in owners.items() if len(keys) == 1 and len(w) > 2}


def _beings(index: dict[str, str], text: str) -> set[str]:
    """The ids the words of ``text`` name (see :func:`_being_index`)."""
    words = normalize(text).replace("-", " ").split()
    return {index[w] for w in words if w in index} | {index[w.rstrip("s")] for w in words if w.rstrip("s") in index}


def _content(text: str) -> set[str]:
    """The words that carry meaning, crudely stemmed: "the lantern's stones" -> {lantern, stone}."""
    words = normalize(text).replace("-", " ").replace("'s ", " ").replace("'", " ").split()
    return {w.rstrip("s") if len(w) > 3 else w for w in words if w not in _STOP and len(w) > 2}


class TopicPicker:
    """Ranks a character's topics against the player's words; below ``floor`` the words ask about nothing it knows."""

    def __init__(self, embed: Embedder, llm: LanguageModel | None = None, *, floor: float = 0.38,
                 small_talk: float = 0.55, word_bonus: float = 0.15, close: float = 0.05, restates: float = 0.75,
                 event_bonus: float = 0.25,
                 always_ask_model: bool = False, notify: Notify | None = None):
        self.embed, self.llm = embed, llm
        self.floor, self.small_talk, self.word_bonus, self.close = floor, small_talk, word_bonus, close
        self.restates = restates  # how like a fact an authored answer must be to tell it
        self.event_bonus = event_bonus
        self.always_ask_model = always_ask_model
        self.notify = notify or (lambda message: None)
        self._vectors = EmbeddingCache(embed)

    def rank(self, world: World, speaker: str, words: str, context: str | None = None
             ) -> list[tuple[TopicOption, float]]:
        """The speaker's topics by likeness to the words (read with ``context``, what was just said, as well),
        plus a bonus for the meaningful words they share."""
        options = topic_options(world, speaker)
        if not options:
            return []
        queries = self._vectors([words.lower()] + ([f"{words} {context}".lower()] if context else []))
        said = _content(words)
        index = _being_index(world.campaign)
        meant = _beings(index, words) - {speaker}
        event = _asks_what_happened(words)
        facts = {f.id: f.text for f in world.spec(speaker).knows}
        scored = []
        for option in options:
            score = float((self._vectors([t.lower() for t in option.texts]) @ queries.T).max())
            authored = world.spec(speaker).topics.get(option.id)
            fact = facts.get(option.id) or facts.get(getattr(authored, "reveals", None))
            if event and fact and _narrates(fact):
                score += self.event_bonus  # "who put out the light?" asks for what happened, not about the lamp
            shared = option.shared(said)
            # someone or something named by another of its names counts as said: "the mech" for SENTRY-9
            renamed = (meant & _beings(index, " ".join(option.texts))) - _beings(index, " ".join(shared))
            scored.append((option, score + (min(2, len(shared) + len(renamed)) + option.phrased(said)) * self.word_bonus))
        return sorted(scored, key=lambda os: -os[1])

    def who_knows(self, world: World, people: Sequence[str], words: str) -> str | None:
        """Of several people here, the one whose facts and topics the words ask about ("anyone know the way to
        the chapel?"), when one clearly does; else None."""
        best = sorted(((ranked[0][1], key) for key in people if (ranked := self.rank(world, key, words))),
                      reverse=True)
        if not best or best[0][0] < self.floor or (len(best) > 1 and best[0][0] - best[1][0] < self.close):
            return None
        return best[0][1]

    def attend(self, world: World, intent: Intent, words: str) -> Intent:
        """The talk intent with its ``text`` (None when the words only greet) and ``topic`` chosen."""
        if intent.action is not Action.talk:
            return intent
        said = " ".join((intent.text or words).split())
        words = _without_names(world, intent.target, said)  # what is asked, not whom
        context = _follow_up(world, intent.target, words)
        if not _content(words) and context is None:
            return intent.model_copy(update={"text": None, "topic": None})
        ranked = self.rank(world, intent.target or "", words, context)
        chat = float((self._vectors(list(SMALL_TALK)) @ self.embed([words.lower()])[0]).max())
        best = ranked[0][1] if ranked else 0.0
        if best < self.floor and chat >= self.small_talk:  # "any news?": nothing in particular, a greeting
            return intent.model_copy(update={"text": None, "topic": None})
        topic = self._fact_told(world, intent.target or "", ranked[0][0].id) if best >= self.floor else None
        # the model may refine or veto what the embeddings found, never conjure a topic they did not
        if self.llm is not None and topic is not None and (
                self.always_ask_model or (len(ranked) > 1 and best - ranked[1][1] < self.close)):
            topic = self._model_pick(world, words, [o for o, _ in ranked[:3]], topic)
        return intent.model_copy(update={"text": said, "topic": topic})

    def _fact_told(self, world: World, speaker: str, topic: str) -> str:
        """The fact an authored topic tells in other words when it names none (`says` restating one of the
        speaker's `knows` with no `reveals`): asking about it is asking for that fact, so it can be learned."""
        spec = world.spec(speaker)
        authored = spec.topics.get(topic)
        if authored is None or authored.reveals is not None or not authored.says or not spec.knows:
            return topic
        kept = {t.reveals for t in spec.topics.values()}
        facts = [f for f in spec.knows if f.id not in kept]
        if not facts:
            return topic
        sims = self._vectors([f.text.lower() for f in facts]) @ self._vectors([authored.says.lower()])[0]
        best = int(np.argmax(sims))
        return facts[best].id if sims[best] >= self.restates else topic

    def _model_pick(self, world: World, words: str, shortlist: list[TopicOption], fallback: str | None) -> str | None:
        labels = [o.label for o in shortlist] + ["none of these"]
        prompt = templates(world.campaign).render("choose_topic.j2", text=words, options=labels)
        try:
            pick = self.llm.choose(prompt, labels)
        except ModelError as exc:
            self.notify(str(exc))
            return fallback
        return shortlist[pick].id if 0 <= pick < len(shortlist) else None


def _follow_up(world: World, listener: str | None, words: str) -> str | None:
    """What the listener just told the party, when the words point back at something ("where did it go?"):
    the last line of the conversation, if it was theirs and recent."""
    if listener is None or not set(normalize(words).split()) & _BACK_POINTERS or not world.conversation:
        return None
    last = world.conversation[-1]
    if last.speaker != listener or last.manner not in ("tells", "recalls") or world.turn - last.turn > 2:
        return None
    return last.text


def _without_names(world: World, target: str | None, words: str) -> str:
    """The words with the listener's own names taken out: "ask Tomas about the troll" -> "ask about the troll"."""
    if target is None:
        return words
    if target in world.characters:
        spec = world.spec(target)
        names = [spec.name, *spec.aliases, target.replace("-", " ")]
    elif target in world.entities:
        names = [world.entities[target].name]
    else:
        return words
    names += [w for name in names for w in name.split() if len(w) > 2]  # "Maud" for Old Maud
    for name in sorted(names, key=len, reverse=True):
        words = re.sub(rf"\b{re.escape(name)}\b", " ", words, flags=re.I)
    return " ".join(words.split())
