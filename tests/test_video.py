"""The storyboard, the stream and video output: decoded and checked, not assumed."""

from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import run_cli
from gm.campaign import load_campaign
from gm.state.world import World
from worldgen.backends.storyboard import StoryboardBackend
from gm.plan import plan_turn
from worldgen.plan import SegmentPlan
from worldgen.storyboard.figures import sprite
from worldgen.storyboard.palette import read_look
from worldgen.stream import WorldStream
from worldgen.video import LiveMp4, read_frames, write_clip_within
from playthrough import MIREFEN_OPENING


@pytest.fixture
def world(mirefen_path) -> World:
    return World.new(load_campaign(mirefen_path), seed=3)


def _plan(world: World, frames: int = 24) -> SegmentPlan:
    return plan_turn(world, [], 1, None, frames=frames)[-1]


def test_appearance_drives_the_figure():
    aya = read_look("pc", "young woman, short black bob, black top, red pleated skirt, white sneakers", "aya")
    assert aya.body == "humanoid" and aya.parts["bottom"] == (200, 40, 45) and aya.parts["hair"] == (28, 28, 32)
    assert read_look("companion", "large grey marsh wolf with one white ear", "bramble").body == "animal"
    assert read_look("companion", "scruffy shiba inu with a torn red collar", "hachi").body == "animal"
    assert read_look("monster", "colossal scaly sea beast, dorsal plates glowing blue", "lev").body == "beast"
    dog = sprite("hachi", "companion", "scruffy shiba inu with a torn red collar", "standing", 80)
    person = sprite("aya", "pc", "young woman, red pleated skirt", "standing", 80)
    assert dog.width > dog.height and person.height > person.width


def test_red_skirt_is_red_in_the_picture(world):
    world.characters["wren"].appearance = "young woman, short black bob, black top, red pleated skirt, white sneakers"
    plan = _plan(world)
    frame = next(StoryboardBackend().render(plan, []))
    wren = next(e for e in plan.entities if e.id == "wren")
    x, y = int(wren.layout.x * plan.width), int(wren.layout.y * plan.height)
    h = int(wren.layout.scale * plan.height)
    skirt = frame[y - int(h * 0.45): y - int(h * 0.35), x - 5: x + 5].reshape(-1, 3).mean(axis=0)
    assert skirt[0] > 150 and skirt[1] < 90 and skirt[2] < 90, skirt


def test_rendering_is_deterministic_and_sized(world):
    plan = _plan(world)
    a = list(StoryboardBackend().render(plan, []))
    b = list(StoryboardBackend().render(plan, []))
    assert len(a) == plan.frames and a[0].shape == (360, 640, 3) and a[0].dtype == np.uint8
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert any(not np.array_equal(a[0], f) for f in a[1:]), "ambient motion: frames are not frozen"


def test_blend_transition_starts_from_the_last_frame(world):
    first = _plan(world)
    last_frame = list(StoryboardBackend().render(first, []))[-1]
    second = plan_turn(world, [], 2, first, frames=24)[-1]
    assert second.transition.kind == "blend"
    blended = next(StoryboardBackend().render(second, [last_frame]))
    fresh = next(StoryboardBackend().render(second, []))
    assert np.abs(blended.astype(int) - last_frame.astype(int)).mean() < np.abs(fresh.astype(int) - last_frame.astype(int)).mean() + 1e-9


def test_clip_fits_the_limit_and_decodes(world, tmp_path):
    frames = list(StoryboardBackend().render(_plan(world, 48), []))
    roomy = write_clip_within(frames, tmp_path / "a.mp4", 24, 10 * 2**20)
    tight_limit = roomy.stat().st_size // 3
    tight = write_clip_within(frames, tmp_path / "b.mp4", 24, tight_limit)
    assert tight.stat().st_size <= tight_limit
    for path in (roomy, tight):
        decoded = read_frames(path)
        assert len(decoded) == 48
    with av.open(str(roomy)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.name, s.codec_context.pix_fmt, s.width, s.height) == ("h264", "yuv420p", 640, 360)
    assert roomy.read_bytes()[:64].find(b"moov") > 0, "faststart: the index comes before the media"
    with pytest.raises(ValueError):
        write_clip_within(frames, tmp_path / "c.mp4", 24, 1000)


def test_live_fragmented_mp4_plays_back(world, tmp_path):
    fragments: list[bytes] = []
    live = LiveMp4(640, 360, 24, fragments.append)
    for frame in StoryboardBackend().render(_plan(world, 48), []):
        live.write(frame)
    live.close()
    assert live.init[4:8] == b"ftyp" and b"moov" in live.init
    assert len(fragments) >= 3 and all(f[4:8] == b"moof" for f in fragments)
    assert live.codec.startswith('video/mp4; codecs="avc1.')
    path = tmp_path / "live.mp4"
    path.write_bytes(live.init + b"".join(fragments))
    assert len(read_frames(path)) == 48


def test_stream_takes_new_plans_mid_stream_and_idles_on_the_same_state(world):
    first = _plan(world, frames=240)
    stream = WorldStream(StoryboardBackend(), first, realtime=True, buffer=3).start()
    frames = stream.frames()
    try:
        for _ in range(5):
            assert next(frames).plan_id == first.id
        world.party_location = "herb-hut"
        world.characters["wren"].location = "herb-hut"
        second = plan_turn(world, [], 2, first, frames=12)[-1]
        stream.submit([second])
        seen = [next(frames) for _ in range(30)]
        ids = [f.plan_id for f in seen]
        assert ids.index(second.id) <= 1, ids  # the very next frame, not after the 240-frame clip
        after = ids[ids.index(second.id):]
        assert first.id not in after, "never drifts back to the opening"
        assert any(i.startswith(second.id + "-idle") for i in after), "keeps going with the same state when idle"
    finally:
        stream.stop()


def test_stream_backpressure_bounds_memory(world):
    stream = WorldStream(StoryboardBackend(), _plan(world, 500), realtime=False, buffer=3).start()
    try:
        time.sleep(0.5)  # nobody reads: the producer must wait, not pile frames up
        assert stream._frames.qsize() <= 3
        first = next(stream.frames())
        assert first.index == 0, "the oldest frame is still the first one made: nothing was dropped or piled up"
        assert stream._frames.qsize() <= 3
        waiting = [next(stream.frames()).index for _ in range(3)]
        assert waiting == [1, 2, 3], "unpaced, it would have made hundreds by now; it made only what fits"
    finally:
        stream.stop()


def test_scripted_play_writes_clips_and_session_video(mirefen_path, tmp_path):
    script = tmp_path / "walk.txt"
    script.write_text("\n".join(MIREFEN_OPENING[:5] + ["/event A giant red robot stomps into the hut", "south",
                                                        "look"]) + "\n")
    result = run_cli("play", str(mirefen_path), "--script", str(script), "--json", "--seed", "1", "--session-video",
                     "--save", str(tmp_path / "run"), env={"WORLDKEEPER_LLM": "none"})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(l) for l in result.stdout.splitlines()]
    turns, final = lines[:-1], lines[-1]
    assert final["type"] == "state" and len(turns) == 8
    total = 0
    for turn in turns:
        frames = read_frames(Path(turn["clip"]))
        assert frames and frames[0].shape == (360, 640, 3)
        total += len(frames)
    session = read_frames(Path(final["session_video"]))
    assert len(session) == total
    # the picture changes when the state changes: the robot's arrival alters the hut
    before = read_frames(Path(turns[4]["clip"]))[-1].astype(int)
    after = read_frames(Path(turns[5]["clip"]))[-1].astype(int)
    assert np.abs(after - before).mean() > 2


def test_whole_campaign_playthrough_through_the_cli_keeps_continuity(mirefen_path, tmp_path):
    from gm.game import Game
    from playthrough import play_mirefen

    rehearsal = Game.create(mirefen_path, tmp_path / "rehearsal", seed=1)
    inputs = [r.input for r in play_mirefen(rehearsal)]  # the same seed replays the same dice below
    rehearsal.close()
    script = tmp_path / "walkthrough.txt"
    script.write_text("\n".join(inputs) + "\n")
    result = run_cli("play", str(mirefen_path), "--script", str(script), "--json", "--seed", "1", "--session-video",
                     "--save", str(tmp_path / "run"), env={"WORLDKEEPER_LLM": "none",
                                                           "WORLDKEEPER_SEGMENT_FRAMES": "12"})
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(l) for l in result.stdout.splitlines()]
    turns, final = lines[:-1], lines[-1]
    assert final["status"] == "completed" and len(turns) == len(inputs)
    assert Path(final["session_video"]).exists()
    appearance: dict[str, str] = {}
    recruited = defeated = False
    for turn in turns:
        assert turn["segments"] and Path(turn["clip"]).exists()
        recruited |= any(e["kind"] == "recruited" for e in turn["events"])
        defeated |= any(e["kind"] == "defeated" and e["character"] == "bog-troll" for e in turn["events"])
        for segment in turn["segments"]:
            ids = [e["id"] for e in segment["entities"]]
            for e in segment["entities"]:
                assert appearance.setdefault(e["id"], e["appearance"]) == e["appearance"], "no drift"
                assert e["appearance"] in segment["prompt"]
            if segment["location"] == "herb-hut":
                assert "maud" in ids
            if recruited and segment is turn["segments"][-1]:
                assert "bramble" in ids, "the companion stays on screen once recruited"
            if defeated and segment["location"] == "sunken-chapel":
                troll = next(e for e in segment["entities"] if e["id"] == "bog-troll")
                assert troll["pose"] == "fallen", "a defeated monster stays defeated"
    assert recruited and defeated


class CountingBackend(StoryboardBackend):
    """The storyboard, counting what it is asked to render."""

    def __init__(self):
        self.rendered: list[str] = []

    def render(self, plan, history):
        self.rendered.append(plan.id)
        return super().render(plan, history)


def test_one_stream_renders_each_turn_once_for_clip_and_viewer(mirefen_path, tmp_path):
    """With the live viewer on, a turn is generated once: the clip and the live stream show the same frames."""
    from gm.game import Components, Game
    from gm.runtime import make_planner
    from gm.session import PlaySession
    from gm.settings import Settings
    from worldgen.recorder import GameVideo

    settings = Settings(segment_frames=12)
    game = Game.create(mirefen_path, tmp_path / "saves", components=Components(planner=make_planner(settings)))
    backend = CountingBackend()
    opening = SegmentPlan.model_validate(make_planner(settings)(game.world(), [], 0, None)[-1])
    video = GameVideo(backend, opening, game.folder, settings.fps, 10 * 2**20)
    live = video.start_live()
    encoded: deque[np.ndarray] = deque(maxlen=96)
    encode = live.encoder.write
    live.encoder.write = lambda frame: (encoded.append(frame), encode(frame))  # what the viewer is sent
    session = PlaySession(game, video)
    try:
        results = [session.act("talk to tomas"), session.act("north")]
        turn_plans = [p["id"] for r in results for p in r.plans]
        assert [i for i in backend.rendered if "idle" not in i and i != opening.id] == turn_plans, \
            "each turn plan rendered exactly once, for the clip and the viewer together"
        clip = read_frames(Path(results[-1].clip))
        deadline = time.time() + 30
        while time.time() < deadline and not any(_close(f, clip[-1]) for f in list(encoded)):
            time.sleep(0.2)
        assert any(_close(f, clip[-1]) for f in list(encoded)), "the viewer is sent the frames of the clip"
    finally:
        session.close()
        game.close()


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).mean() < 4


def test_a_truncated_clip_never_fails_a_run_and_is_left_out_with_a_warning(mirefen_path, tmp_path):
    save = tmp_path / "run"
    script = tmp_path / "walk.txt"
    script.write_text("talk to tomas\nnorth\n")
    first = run_cli("play", str(mirefen_path), "--script", str(script), "--json", "--save", str(save),
                    env={"WORLDKEEPER_LLM": "none", "WORLDKEEPER_SEGMENT_FRAMES": "12"})
    assert first.returncode == 0, first.stderr[-2000:]
    clip = save / "clips" / "turn-0001.mp4"
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])  # as a kill mid-write used to leave it
    script.write_text("south\n")
    again = run_cli("play", "--resume", str(save), "--script", str(script), "--json", "--session-video",
                    env={"WORLDKEEPER_LLM": "none", "WORLDKEEPER_SEGMENT_FRAMES": "12"})
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr[-2000:]
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    final = lines[-1]
    assert final["type"] == "state" and final["turn"] == 3
    warnings = [line for line in lines if line["type"] == "warning"]
    assert len(warnings) == 1 and "turn-0001.mp4" in warnings[0]["message"]
    assert len(read_frames(Path(final["session_video"]))) == 2 * 12, "the two readable clips, whole"
    assert not list(save.rglob(".*.tmp")), "no temporary file is left behind"


def test_video_never_fails_a_turn(mirefen_path, tmp_path):
    """A world model or encoder that breaks leaves the turn stored, with no clip."""
    from gm.game import Components, Game
    from gm.runtime import make_planner
    from gm.session import PlaySession
    from gm.settings import Settings
    from worldgen.recorder import GameVideo

    class Broken(StoryboardBackend):
        def render(self, plan, history):
            raise RuntimeError("the GPU went away")

    settings = Settings(segment_frames=12)
    game = Game.create(mirefen_path, tmp_path / "saves", components=Components(planner=make_planner(settings)))
    opening = SegmentPlan.model_validate(make_planner(settings)(game.world(), [], 0, None)[-1])
    session = PlaySession(game, GameVideo(Broken(), opening, game.folder, settings.fps, 10 * 2**20))
    try:
        result = session.act("talk to tomas")
        assert result.ok and result.clip is None and game.world().turn == 1
    finally:
        session.close()
        game.close()
