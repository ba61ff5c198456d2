"""Diffusers backends on tiny random-weight pipelines built from configs (CPU, offline)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import run_cli
from gm.campaign import load_campaign
from gm.state.world import World
from worldgen.backends.diffusion import BACKEND_CLASSES, DiffusionOptions, interpolation_schedule, model_frames
from worldgen.backends.tiny import TINY, save_tiny
from gm.plan import plan_turn
from worldgen.plan import Transition
from worldgen.stream import WorldStream
from worldgen.video import read_frames

OPTIONS = dict(steps=2, guidance=1.0, max_sequence_length=16)


class Recorded:
    """The real pipeline, with every call's arguments kept so a test can see what reached it."""

    def __init__(self, pipe):
        self.pipe, self.calls = pipe, []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.pipe(**kwargs)

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def backend(name: str):
    b = BACKEND_CLASSES[name](TINY[name](), DiffusionOptions(**OPTIONS))
    b.pipe = Recorded(b.pipe)
    if name == "skyreels-df":
        b.extend = Recorded(b.extend)
    return b


@pytest.fixture
def plans(mirefen_path):
    world = World.new(load_campaign(mirefen_path), seed=5)
    first = plan_turn(world, [], 1, None, frames=9, width=64, height=32)[-1]
    world.characters["wren"].pose = "fighting"
    second = plan_turn(world, [], 2, first, frames=20, width=64, height=32)[-1]
    return first, second


def test_interpolation_schedule():
    blend = Transition(from_plan="a", frames=12, kind="blend")
    chunks = interpolation_schedule(blend, 30, 8)
    assert [n for n, _ in chunks] == [8, 4, 18] and sum(n for n, _ in chunks) == 30
    weights = [w for _, w in chunks]
    assert weights[0] < weights[1] < 1.0 and weights[-1] == 1.0
    assert interpolation_schedule(Transition(kind="cut"), 30, 8) == [(30, 1.0)]
    assert model_frames(9, 4) == 9 and model_frames(10, 4) == 13 and model_frames(9, 8) == 9


@pytest.mark.parametrize("name", sorted(TINY))
def test_frames_shapes_and_counts(name, plans):
    b = backend(name)
    first, second = plans
    frames = list(b.render(first, []))
    more = list(b.render(second, frames))
    assert len(frames) == first.frames and len(more) == second.frames
    assert all(f.shape == (32, 64, 3) and f.dtype == np.uint8 for f in frames + more)


def test_wan_vace_gets_layout_references_and_the_previous_tail(plans):
    b = backend("wan-vace")
    first, second = plans
    shown = list(b.render(first, []))
    list(b.render(second, shown))
    call = b.pipe.calls[len(b.pipe.calls) - len(interpolation_schedule(second.transition, 20, 8))]
    tail = shown[-b.options.tail:]
    for i, frame in enumerate(tail):  # the previous segment's last frames open the next, masked to be kept
        assert np.array_equal(np.asarray(call["video"][i]), frame)
        assert np.asarray(call["mask"][i]).max() == 0
    assert np.asarray(call["mask"][len(tail)]).min() == 255
    people = [e for e in second.entities if e.kind != "item"]
    assert len(call["reference_images"]) == len(people)
    first_refs = b.pipe.calls[0]["reference_images"]
    assert all(a is b_ for a, b_ in zip(first_refs, call["reference_images"])), "one reference image per entity, kept"


def test_prompt_embeddings_are_interpolated_across_the_transition(plans):
    b = backend("wan-vace")
    first, second = plans
    shown = list(b.render(first, []))
    before = len(b.pipe.calls)
    list(b.render(second, shown))
    old = b.encode(first.prompt, first.negative_prompt)[0]
    new = b.encode(second.prompt, second.negative_prompt)[0]
    assert not torch.allclose(old, new)
    for call, (_, alpha) in zip(b.pipe.calls[before:], interpolation_schedule(second.transition, 20, 8)):
        assert torch.allclose(call["prompt_embeds"], old * (1 - alpha) + new * alpha, atol=1e-6)


def test_a_fresh_worker_blends_from_the_plans_own_previous_prompt(plans):
    """A Serve replica shared by many games (or a new one after a retry) never rendered this game's last
    segment: the blend comes from the plan, so it still starts from this game's previous prompt."""
    first, second = plans
    fresh = backend("wan-vace")
    list(fresh.render(second, []))
    old = fresh.encode(first.prompt, first.negative_prompt)[0]
    new = fresh.encode(second.prompt, second.negative_prompt)[0]
    alpha = interpolation_schedule(second.transition, 20, 8)[0][1]
    assert torch.allclose(fresh.pipe.calls[0]["prompt_embeds"], old * (1 - alpha) + new * alpha, atol=1e-6)


def test_ltx_chains_on_tail_frames_and_starts_places_from_a_keyframe(plans):
    b = backend("ltx")
    first, second = plans
    shown = list(b.render(first, []))
    assert b.pipe.calls[0]["conditions"][0].image is not None, "a new place starts from the storyboard keyframe"
    list(b.render(second, shown))
    condition = b.pipe.calls[-len(interpolation_schedule(second.transition, 20, 16))]["conditions"][0]
    assert condition.video is not None
    assert [np.asarray(im).shape for im in condition.video] == [(32, 64, 3)] * b.options.tail


def test_skyreels_extends_the_previous_frames(plans):
    b = backend("skyreels-df")
    first, second = plans
    shown = list(b.render(first, []))
    list(b.render(second, shown))
    call = b.extend.calls[0]
    assert call["overlap_history"] == b.options.tail
    assert np.array_equal(np.asarray(call["video"][0]), shown[-b.options.tail])


def test_stream_keeps_plan_order_with_a_diffusion_backend(plans):
    first, second = plans
    stream = WorldStream(backend("wan-vace"), first, realtime=False, buffer=2).start()
    try:
        stream.submit([first.model_copy(update={"id": "p1"}), second.model_copy(update={"id": "p2"})])
        ids = []
        for item in stream.frames():
            ids.append(item.plan_id)
            if len(ids) >= 40:
                break
        seen = [i for i in dict.fromkeys(ids) if i in ("p1", "p2")]
        assert seen == ["p1", "p2"] and ids.count("p1") == 9 and ids.count("p2") == 20
    finally:
        stream.stop()


def test_play_with_a_diffusers_world_model_from_a_folder(mirefen_path, tmp_path):
    """`--world wan-vace --world-model PATH`: nothing outside worldgen changes."""
    model = save_tiny("wan-vace", tmp_path / "tiny-wan-vace")
    script = tmp_path / "walk.txt"
    script.write_text("talk to tomas\nnorth\n")
    env = {"WORLDKEEPER_LLM": "none", "WORLDKEEPER_WIDTH": "64", "WORLDKEEPER_HEIGHT": "32",
           "WORLDKEEPER_SEGMENT_FRAMES": "9", "WORLDKEEPER_WORLD_STEPS": "2", "WORLDKEEPER_WORLD_GUIDANCE": "1.0"}
    done = run_cli("play", str(mirefen_path), "--script", str(script), "--json", "--save", str(tmp_path / "run"),
                   "--world", "wan-vace", "--world-model", str(model), env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    turns = [json.loads(line) for line in done.stdout.splitlines()][:-1]
    for turn in turns:
        frames = read_frames(Path(turn["clip"]))
        assert len(frames) == 9 and frames[0].shape == (32, 64, 3)


def test_a_missing_world_model_is_one_line_naming_the_path(mirefen_path, tmp_path):
    script = tmp_path / "walk.txt"
    script.write_text("look\n")
    missing = tmp_path / "no-such-model"
    done = run_cli("play", str(mirefen_path), "--script", str(script), "--save", str(tmp_path / "run"),
                   "--world", "wan-vace", "--world-model", str(missing), env={"WORLDKEEPER_LLM": "none"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert str(missing) in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
