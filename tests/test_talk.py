"""NPCs converse (#11): questions through the real turn graph, recall, attitudes, companions, /event
characters, and a model server that is down, slow or answers garbage."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import CAMPAIGNS
from gm import events as ev
from gm.agent.conversation import TopicPicker
from gm.agent.grounding import EmbeddingGrounder
from gm.game import Components, Game
from gm.state.store import Store

LANTERN = CAMPAIGNS / "lantern-of-mirefen.yaml"


@pytest.fixture(scope="module")
def embedder():
    from gm.agent.models import load_embedder
    return load_embedder()


@pytest.fixture(scope="module")
def components(embedder) -> Components:
    """Shared by the module's games, so the scene phrasings are embedded once."""
    return Components(grounder=EmbeddingGrounder(embedder), topics=TopicPicker(embedder))


@pytest.fixture
def talk_game(saves, components):
    def make(path=LANTERN, **kwargs) -> Game:
        return Game.create(path, saves, seed=3, components=components, **kwargs)
    return make


def said(result, speaker: str | None = None) -> list[dict]:
    return [e for e in result.events if e["kind"] == "said" and (speaker is None or e["speaker"] == speaker)]


def learned(result) -> list[str]:
    return [e["fact"] for e in result.events if e["kind"] == "learned"]


def test_different_questions_get_different_answers_and_a_repeat_recalls(talk_game):
    game = talk_game()
    wolf = game.act("ask tomas about the wolf")
    chapel = game.act("ask tomas about the chapel")
    assert wolf.intent["topic"] == "the-wolf" and chapel.intent["topic"] == "way-to-chapel"
    first, second = said(wolf, "tomas")[0]["text"], said(chapel, "tomas")[0]["text"]
    assert first != second and "Bramble" in first and "reed path" in second
    again = game.act("ask tomas about the wolf")
    line = said(again, "tomas")[0]
    assert line["manner"] == "recalls" and line["text"].startswith("As I told you") and first in line["text"]
    assert learned(wolf) == learned(chapel) == learned(again) == []  # small talk releases no fact

    told = game.act("Tomas, what happened to the lantern?")
    assert told.intent["topic"] == "troll-took-lantern"
    assert learned(told) == ["troll-took-lantern"] and {e["source"] for e in told.events
                                                         if e["kind"] == "learned"} == {"tomas"}
    assert "Quest updated" in told.narration

    # the log is in SQL: another store on the same database remembers who said what
    other = Store(game.store.url)
    log = other.load(game.name).conversation
    other.close()
    assert [(x.speaker, x.topic, x.manner) for x in log] == [
        ("tomas", "the-wolf", "tells"), ("tomas", "way-to-chapel", "tells"), ("tomas", "the-wolf", "recalls"),
        ("tomas", "troll-took-lantern", "tells")]
    assert log[0].asked == "ask tomas about the wolf"


def test_an_unknown_question_gets_doesnt_know_in_persona(talk_game):
    game = talk_game()
    result = game.act("ask tomas about the weather in the capital")
    assert result.ok and result.intent["topic"] is None
    (line,) = said(result, "tomas")
    assert line["manner"] == "doesnt_know" and "know" in line["text"]
    assert learned(result) == [] and "told you all I know" not in result.narration
    greeting = game.act("talk to tomas")  # only greeting: Tomas volunteers what he knows
    assert learned(greeting) == ["troll-took-lantern"]
    nothing_new = game.act("talk to tomas")
    assert learned(nothing_new) == [] and "told you all I know" not in nothing_new.narration
    assert said(nothing_new, "tomas")[0]["manner"] == "greets"


def test_a_guarded_secret_waits_for_friendship_and_persuasion_wins_it(talk_game):
    game = talk_game()
    game.act("north")
    refused = game.act("ask maud about the heart-stone")
    assert refused.intent["topic"] == "the-heart-stone"
    assert said(refused, "maud")[0]["manner"] == "declines" and learned(refused) == []
    assert "stone-remembers-flame" not in game.world().facts
    for _ in range(8):
        if game.world().characters["maud"].attitude == "friendly":
            break
        persuaded = game.act("persuade maud")
        assert persuaded.intent["action"] == "check" and persuaded.intent["approach"] == "persuade"
        assert persuaded.rolls and "persuade" in persuaded.rolls[0]["purpose"]
    assert game.world().characters["maud"].attitude == "friendly"
    told = game.act("ask maud about the heart-stone")
    assert learned(told) == ["stone-remembers-flame"]


STRAY = """
id: stray
title: Stray
start: {location: yard, party: [ana]}
locations:
  yard: {name: Yard, description: A dusty yard.}
characters:
  ana: {kind: pc, name: Ana, appearance: "young courier in a blue coat", stats: {grace: 2, spirit: 3}}
  juno:
    kind: companion
    name: Juno
    appearance: "scarred mercenary in a red cloak"
    location: yard
    persona: "Gruff, loyal once won over."
    attitude: wary
    recruit: {attitude: friendly}
  bruno:
    kind: npc
    name: Bruno
    appearance: "stable hand with a pitchfork"
    location: yard
items:
  apple: {name: Apple, location: yard}
"""


def test_persuasion_moves_attitude_and_unlocks_a_gated_recruit(talk_game, tmp_path):
    path = tmp_path / "stray.yaml"
    path.write_text(STRAY)
    game = talk_game(path)
    assert game.act("recruit juno").events[0]["kind"] == "recruit_failed"
    changes = []
    for _ in range(10):
        if game.world().characters["juno"].attitude == "friendly":
            break
        changes += [e for e in game.act("persuade juno").events if e["kind"] == "attitude"]
    assert [c["attitude"] for c in changes][-1] == "friendly" and all(c["cause"] == "persuaded" for c in changes)
    assert game.act("recruit juno").events[0]["kind"] == "recruited"
    assert Store(game.store.url).load(game.name).characters["juno"].attitude == "friendly"  # in SQL
    # a companion speaks as a companion
    line = said(game.act("talk to juno"), "juno")[0]
    assert line["manner"] == "greets" and "Lead on" in line["text"]


def test_gifts_raise_and_attacks_lower_attitudes(talk_game, tmp_path):
    path = tmp_path / "stray.yaml"
    path.write_text(STRAY)
    game = talk_game(path)
    game.act("take apple")
    gift = game.act("give apple to bruno")
    assert [(e["character"], e["attitude"], e["cause"]) for e in gift.events if e["kind"] == "attitude"] == [
        ("bruno", "friendly", "gift")]
    threat = game.act("intimidate juno")
    kinds = [e["kind"] for e in threat.events]
    assert "said" in kinds, "failing forward: the character answers either way"


def test_a_wolf_answers_by_gesture_and_an_event_creature_in_its_own_voice(talk_game):
    game = talk_game()
    for line in ("north", "take smoked fish", "south", "east", "give smoked fish to bramble"):
        game.act(line)
    assert game.world().characters["bramble"].in_party
    wolf = said(game.act("talk to bramble"), "bramble")[0]
    assert wolf["manner"] == "gestures" and "wolf" in wolf["text"] and "told you" not in wolf["text"]
    added = game.act("/event an old fisherman in a yellow raincoat wanders in")
    key = added.events[0]["id"]
    answer = game.act("ask the old fisherman where the troll sleeps")
    assert answer.intent == {**answer.intent, "action": "talk", "target": key}
    line = said(answer, key)[0]
    assert line["manner"] == "doesnt_know" and "Wren" in line["text"] and learned(answer) == []


# --- a model server that is down, slow or answers garbage ---------------------------------------------

class _Stub(BaseHTTPRequestHandler):
    """A real HTTP server on 127.0.0.1 that stalls or answers something that is not the protocol."""

    mode = "garbage"

    def do_POST(self):  # noqa: N802 (the http.server API)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.mode == "stall":
            time.sleep(5)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b"<html>this is not a model</html>\n" if self.mode == "garbage" else b"")

    def log_message(self, *args):
        pass


def _serve(mode: str):
    handler = type("Handler", (_Stub,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize("mode,message", [("down", "cannot be reached"), ("stall", "did not answer within"),
                                          ("garbage", "not an OpenAI-compatible reply")])
def test_a_failing_model_server_falls_back_to_templates_and_says_so(saves, embedder, mode, message):
    from gm.agent.models import OpenAIModel
    from gm.runtime import build_components
    from gm.settings import Settings

    server = None if mode == "down" else _serve(mode)
    port = _closed_port() if server is None else server.server_address[1]
    try:
        llm = OpenAIModel(f"http://127.0.0.1:{port}/v1", "any", timeout=1.0)
        components = build_components(Settings(llm="openai"), progress=False, llm=llm, embed=embedder)
        game = Game.create(LANTERN, saves, seed=3, components=components)
        result = game.act("ask tomas who took the heart-stone")
        assert result.ok and result.intent["topic"] == "troll-took-lantern"
        assert learned(result) == ["troll-took-lantern"], "the rules' outcome is whole without the model"
        notices = [line for line in result.narration.splitlines() if line.startswith("⚠")]
        assert len(notices) == 1 and message in notices[0] and f"127.0.0.1:{port}" in notices[0]
        assert 'Tomas: "The Bog Troll crept up' in result.narration
        assert game.world().turn == 1 and "troll-took-lantern" in game.world().facts  # stored
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


# --- checks on campaign files and on the model's lines ------------------------------------------------

def test_topics_and_attitude_conditions_are_validated_with_locations(tmp_path):
    from gm.campaign.loader import CampaignError, load_campaign

    text = LANTERN.read_text().replace("        reveals: stone-remembers-flame\n", "        reveals: troll-took-lantern\n")
    text = text.replace("complete_when: {learned: troll-took-lantern}", "complete_when: {attitude: friendly}")
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(CampaignError) as err:
        load_campaign(path)
    message = str(err.value)
    assert "topics.the-heart-stone.reveals: topic 'the-heart-stone' reveals 'troll-took-lantern', which 'maud' " \
           "does not know" in message
    assert "stages[0].complete_when.attitude: say whose attitude" in message
    assert "broken.yaml:" in message


def test_a_voiced_line_may_speak_only_of_what_the_speaker_knows(tmp_path):
    from gm.agent.faithful import check_speech
    from gm.campaign import load_campaign
    from gm.state.world import World

    world = World.new(load_campaign(LANTERN))
    told = [ev.Said(speaker="tomas", to="wren", text="The Bog Troll crept up from the Sunken Chapel.",
                    topic="troll-took-lantern", manner="tells")]
    ok = "Aye, the Bog Troll came up out of the Sunken Chapel in the night."
    assert check_speech(ok, world, told, "tomas", told[0].text) is None
    # Maud's secret, which Tomas does not know
    assert "does not know" in check_speech("They say trolls hate true light and shrink from sunfire.", world,
                                           told, "tomas", told[0].text)
    assert "Kenji" in check_speech("Go and ask Kenji about it.", world, told, "tomas", told[0].text)
    # a name the speaker knows of is fine even when its bearer is elsewhere (Tomas speaks of Maud)
    assert check_speech("Go and ask Old Maud in her hut.", world, told, "tomas", told[0].text) is None
    assert "did not happen" in check_speech("The troll is defeated.", world, told, "tomas", told[0].text)
