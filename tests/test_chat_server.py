"""The OpenAI-compatible path against a real server process: `transformers serve` on 127.0.0.1, serving
the embedded Gemma 3 270M (a copy with a plain chat template, since the base model has none).

Started once for the module (about 10-20 s on two busy cores, then a few seconds per request), so these
tests are marked slow. No HTTP is mocked: every request goes through the real protocol.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import CAMPAIGNS
from gm import events as ev
from gm.agent.faithful import check_flavor, check_speech
from gm.agent.narrate import FactWriter
from gm.game import Game

pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.timeout(600)]

SERVE = shutil.which("transformers")
# The base model has no chat template: this one lays the messages out as a transcript to continue.
TRANSCRIPT = ("{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n"
              "{% elif m['role'] == 'user' %}Request: {{ m['content'] }}\n"
              "{% else %}Reply: {{ m['content'] }}\n{% endif %}{% endfor %}"
              "{% if add_generation_prompt %}Reply:{% endif %}")


def _served_copy(folder: Path) -> Path:
    """The embedded model's directory with a chat template set on a copy of its tokenizer (weights linked)."""
    from transformers import AutoTokenizer

    from gm.agent.models import embedded_model_dir
    from gm.settings import Settings

    source = embedded_model_dir(Settings().cache_dir)
    target = folder / "gemma-chat"
    target.mkdir()
    for name in ("config.json", "generation_config.json", "model.safetensors"):
        (target / name).symlink_to(source / name)
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    tokenizer.chat_template = TRANSCRIPT
    tokenizer.save_pretrained(str(target))
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if SERVE is None:
        pytest.skip("`transformers serve` is not installed (pip install 'transformers[serving]')")
    folder = tmp_path_factory.mktemp("served")
    model = _served_copy(folder)
    port = _free_port()
    log = open(folder / "serve.log", "w")
    process = subprocess.Popen([SERVE, "serve", str(model), "--host", "127.0.0.1", "--port", str(port),
                                "--device", "cpu", "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail("transformers serve exited:\n" + (folder / "serve.log").read_text()[-2000:])
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("transformers serve did not start within 180 s")
            time.sleep(1)
        yield {"url": f"{base}/v1", "model": str(model), "log": folder / "serve.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def llm(server):
    from gm.agent.models import OpenAIModel
    return OpenAIModel(server["url"], server["model"], timeout=120)


def test_chat_messages_with_a_system_prompt_stream_back(llm):
    messages = [{"role": "system", "content": "You are Tomas, the headman of a marsh village."},
                {"role": "user", "content": "Wren says to you: Hello.\nSay hello back."}]
    text = "".join(llm.chat(messages, max_new_tokens=12, stop=()))
    assert isinstance(text, str) and text.strip(), "the server streamed a reply over the chat protocol"


def test_a_turn_with_the_served_model_keeps_the_rules_outcome_and_checks_every_line(server, llm, saves):
    from gm.runtime import build_components
    from gm.settings import Settings

    components = build_components(Settings(llm="openai"), progress=False, llm=llm)
    game = Game.create(CAMPAIGNS / "lantern-of-mirefen.yaml", saves, seed=3, components=components)
    requests_before = server["log"].read_text().count("POST /v1/chat/completions")
    result = game.act("ask tomas who took the heart-stone")
    assert result.ok and result.intent["action"] == "talk" and result.intent["target"] == "tomas"
    assert [e["fact"] for e in result.events if e["kind"] == "learned"] == ["troll-took-lantern"]
    assert "⚠" not in result.narration, "the served model answered: no fallback notice"
    assert server["log"].read_text().count("POST /v1/chat/completions") > requests_before, "the model was asked"

    # every line the model added passed the check against the state; the templates' lines are all there
    world = game.world()
    events = ev.load_events(result.events)
    templated = FactWriter(world.campaign).lines(world, events)
    assert all(line in result.narration for line in templated)
    extra = [line for line in result.narration.splitlines() if line not in templated and not line.startswith("🎲")]
    names = {c.name: k for k, c in world.characters.items()}
    for line in extra:
        speaker, _, words = line.partition(": ")
        if speaker in names and words.startswith('"'):  # the answering character's voice
            said = next(e.text for e in events if isinstance(e, ev.Said) and e.speaker == names[speaker])
            for sentence in re.split(r"(?<=[.!?])\s+", words.strip('"')):
                assert check_speech(sentence, world, events, names[speaker], said) is None, line
        else:
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                assert check_flavor(sentence, world, events, templated) is None, line
