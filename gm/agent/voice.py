"""What the language model is allowed to do: choose among grounded options, add checked flavor,
voice what characters say, and extract a director event's entity. It never decides outcomes or
writes state.

A chat model (``is_chat_model``) gets chat messages with a system prompt (``prompts/chat.j2``); the
embedded base model gets few-shot prompts. A model that fails (:class:`ModelError`) is reported to
the player through :class:`ModelNotices` and the turn carries on with the templates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from gm import events as ev
from gm.agent.faithful import check_flavor, check_speech, first_sentence
from gm.actions import Candidate
from gm.agent.models import LanguageModel, ModelError, is_chat_model
from gm.agent.narrate import stream_words, templates
from gm.campaign.templates import Macros
from gm.state.world import World


class ModelNotices:
    """What went wrong with the model during a turn, told to the player once at the end of the narration."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: list[str] = []

    def add(self, problem: str) -> None:
        line = f"⚠ {problem[0].upper()}{problem[1:]}; the game master carries on without it."
        with self._lock:
            if line not in self._pending:
                self._pending.append(line)

    def drain(self) -> list[str]:
        with self._lock:
            lines, self._pending = self._pending, []
        return lines


def make_chooser(llm: LanguageModel, notices: ModelNotices | None = None):
    def choose(world: World, text: str, options: list[Candidate]) -> int | None:
        prompt = templates(world.campaign).render("choose.j2", text=text, options=[c.label for c in options])
        try:
            return llm.choose(prompt, [c.label for c in options])
        except ModelError as exc:  # the embeddings' reading stands
            if notices is not None:
                notices.add(str(exc))
            return None

    return choose


def make_flavor(llm: LanguageModel, max_new_tokens: int = 32, sentences: int = 1, notices: ModelNotices | None = None):
    """The model's extra narration, shown only if every sentence passes the faithfulness check.

    A chat model speaks for the character who answered this turn, or else describes the outcome, in
    chat messages; the embedded base model adds a line of atmosphere from a few-shot prompt."""
    few_shot = _few_shot_flavor(llm, max_new_tokens, sentences)
    chat = _chat_flavor(llm, max_new_tokens, sentences) if is_chat_model(llm) else None

    def flavor(world: World, events: list[ev.Event], lines: list[str]) -> Iterator[str]:
        try:
            yield from (chat or few_shot)(world, events, lines)
        except ModelError as exc:
            if notices is not None:
                notices.add(str(exc))

    return flavor


def _checked(text: str, sentences: int, check) -> list[str]:
    """The leading sentences of ``text`` that pass ``check`` (None = passes), stopping at the first that fails."""
    kept: list[str] = []
    for _ in range(sentences):
        sentence = first_sentence(text)
        if not sentence or check(sentence) is not None:
            break
        kept.append(sentence)
        text = text[text.find(sentence) + len(sentence):]
    return kept


def _chat_flavor(llm, max_new_tokens: int, sentences: int):
    def flavor(world: World, events: list[ev.Event], lines: list[str]) -> Iterator[str]:
        chat = Macros(templates(world.campaign), "chat.j2")
        answer = next((e for e in events if isinstance(e, ev.Said) and e.to and e.manner not in (None, "gestures")
                       and e.speaker in world.characters), None)
        if answer is not None:
            yield from _voice(llm, chat, world, events, answer, max_new_tokens, sentences)
            return
        here = world.campaign.locations[world.party_location]
        present = [c.name for c in world.present()] + [e.name for e in world.entities_at()]
        messages = [{"role": "system", "content": chat.narrator_system(
                        world.campaign.title, here.name, here.visual or here.description, present)},
                    {"role": "user", "content": chat.narrator_user(lines)}]
        text = "".join(llm.chat(messages, max_new_tokens=max_new_tokens, stop=("\n\n",))).strip()
        kept = _checked(text, sentences, lambda s: check_flavor(s, world, events, lines))
        if kept:
            yield from stream_words(" ".join(kept))

    return flavor


def _voice(llm, chat: Macros, world: World, events: list[ev.Event], answer: ev.Said, max_new_tokens: int,
           sentences: int) -> Iterator[str]:
    """The answering character's words in its own voice, kept only where every sentence passes the check."""
    speaker = world.characters[answer.speaker]
    spec = world.spec(speaker.key)
    you = world.characters[answer.to].name if answer.to in world.characters else "A traveller"
    knows = [f.text for f in spec.knows] + [t.says for t in spec.topics.values()]
    messages = [{"role": "system", "content": chat.character_system(
                    speaker.name, speaker.appearance, spec.persona, speaker.attitude,
                    world.campaign.locations[world.party_location].name, knows)},
                {"role": "user", "content": chat.character_user(you, answer.asked, answer.text)}]
    text = "".join(llm.chat(messages, max_new_tokens=max_new_tokens, stop=("\n\n",))).strip().strip('"“”')
    kept = _checked(text, sentences, lambda s: check_speech(s, world, events, speaker.key, answer.text))
    if kept:
        yield from stream_words(f'{speaker.name}: "{" ".join(kept)}"')


def _few_shot_flavor(llm: LanguageModel, max_new_tokens: int, sentences: int):
    def flavor(world: World, events: list[ev.Event], lines: list[str]) -> Iterator[str]:
        here = world.campaign.locations[world.party_location]
        prompt = templates(world.campaign).render(
            "flavor.j2", place=here.name, description=here.description, visual=here.visual,
            present=[c.name for c in world.present()] + [e.name for e in world.entities_at()], happened=lines)
        examples = tuple(line[5:].strip() for line in prompt.splitlines()[:-1] if line.startswith("Line:"))
        text = "".join(llm.stream(prompt, max_new_tokens=max_new_tokens, stop=("\n",)))
        kept = _checked(text, sentences, lambda s: check_flavor(s, world, events, lines, examples))
        if kept:
            yield from stream_words(" ".join(kept))

    return flavor


def make_extractor(llm: LanguageModel, notices: ModelNotices | None = None):
    def extract(text: str) -> tuple[str, str] | None:
        prompt = templates().render("extract_entity.j2", text=text)
        try:
            out = "".join(llm.stream(prompt, max_new_tokens=24, stop=("\n",)))
        except ModelError as exc:  # the heuristic reading of the owner's words stands
            if notices is not None:
                notices.add(str(exc))
            return None
        name, sep, appearance = out.partition("| Appearance:")
        if not sep:
            return None
        return name.strip(), appearance.strip()

    return extract
