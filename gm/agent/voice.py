"""What the language model is allowed to do: choose among grounded options, add checked flavor,
and extract a director event's entity. It never decides outcomes or writes state."""

from __future__ import annotations

from collections.abc import Iterator

from gm import events as ev
from gm.agent.faithful import check_flavor, first_sentence
from gm.actions import Candidate
from gm.agent.models import LanguageModel
from gm.agent.narrate import stream_words, templates
from gm.state.world import World


def make_chooser(llm: LanguageModel):
    def choose(world: World, text: str, options: list[Candidate]) -> int | None:
        prompt = templates(world.campaign).render(
            "choose.j2", text=text, options=[c.label for c in options])
        return llm.choose(prompt, [c.label for c in options])

    return choose


def make_flavor(llm: LanguageModel, max_new_tokens: int = 32, sentences: int = 1):
    """The model's extra narration, shown only if every sentence passes the faithfulness check."""

    def flavor(world: World, events: list[ev.Event], lines: list[str]) -> Iterator[str]:
        here = world.campaign.locations[world.party_location]
        prompt = templates(world.campaign).render(
            "flavor.j2", place=here.name, description=here.description, visual=here.visual,
            present=[c.name for c in world.present()] + [e.name for e in world.entities_at()], happened=lines)
        examples = tuple(line[5:].strip() for line in prompt.splitlines()[:-1] if line.startswith("Line:"))
        text = "".join(llm.stream(prompt, max_new_tokens=max_new_tokens, stop=("\n",)))
        kept = []
        for _ in range(sentences):
            sentence = first_sentence(text)
            if not sentence or check_flavor(sentence, world, events, lines, examples) is not None:
                break
            kept.append(sentence)
            text = text[text.find(sentence) + len(sentence):]
        if kept:
            yield from stream_words(" ".join(kept))

    return flavor


def make_extractor(llm: LanguageModel):
    def extract(text: str) -> tuple[str, str] | None:
        prompt = templates().render("extract_entity.j2", text=text)
        out = "".join(llm.stream(prompt, max_new_tokens=24, stop=("\n",)))
        name, sep, appearance = out.partition("| Appearance:")
        if not sep:
            return None
        return name.strip(), appearance.strip()

    return extract
