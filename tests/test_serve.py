"""World-model workers on Ray Serve (a local Ray cluster on 127.0.0.1): the same frames as in-process
rendering, for the storyboard and a tiny diffusers model; a replica killed mid-stream costs no frame."""

from __future__ import annotations

import os
import threading
from collections import deque

import numpy as np
import pytest

# Ray on 127.0.0.1 only: otherwise it binds to (and talks over) the machine's network address. Read when
# ray is first imported, so set here, before it is.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'worldkeeper[serve]'; CI installs it)")
serve = pytest.importorskip("ray.serve")

from gm.campaign import load_campaign  # noqa: E402
from gm.runtime import make_planner, world_backend  # noqa: E402
from gm.settings import Settings  # noqa: E402
from gm.state.world import World  # noqa: E402
from conftest import CAMPAIGNS  # noqa: E402
from worldgen.backends import load_backend  # noqa: E402
from worldgen.backends.serve import ServeBackend, deployment  # noqa: E402
from worldgen.plan import SegmentPlan  # noqa: E402
from worldgen.stream import HISTORY  # noqa: E402

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cluster():
    """One Ray instance and Serve for the whole module: starting Ray takes seconds."""
    ray.init(num_cpus=4, include_dashboard=False, namespace="worldkeeper", log_to_driver=False,
             object_store_memory=200 * 2**20)
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    serve.start(proxy_location="Disabled")
    yield
    serve.shutdown()
    ray.shutdown()


def plans(frames: int = 9, width: int = 64, height: int = 32) -> list[SegmentPlan]:
    """Real segment plans of a shipped campaign: the opening, then two turns of movement."""
    settings = Settings(segment_frames=frames, width=width, height=height)
    planner = make_planner(settings)
    world = World.new(load_campaign(CAMPAIGNS / "lantern-of-mirefen.yaml"), seed=3)
    out = planner(world, [], 0, None)
    world.party_location = "herb-hut"
    out += planner(world, [], 1, out[-1])
    world.characters["wren"].pose = "fighting"
    out += planner(world, [], 2, out[-1])
    return [SegmentPlan.model_validate(p) for p in out]


def render_all(backend, segment_plans) -> list[np.ndarray]:
    """Render plans one after another, each continuing from the last frames shown (as the recorder does)."""
    history, frames = deque(maxlen=HISTORY), []
    for plan in segment_plans:
        for frame in backend.render(plan, list(history)):
            frames.append(np.array(frame))
            history.append(frame)
    return frames


def test_storyboard_through_serve_gives_the_same_frames(cluster):
    serve.run(deployment("storyboard", num_cpus=0.5, replicas=2), name="wk-storyboard", route_prefix=None)
    try:
        segment_plans = plans()
        local = render_all(load_backend("storyboard"), segment_plans)
        served_backend = world_backend(Settings(world="serve", serve_app="wk-storyboard"))  # what a game does
        assert isinstance(served_backend, ServeBackend)
        served = render_all(served_backend, segment_plans)
        assert len(served) == len(local) == sum(p.frames for p in segment_plans)
        assert all(np.array_equal(a, b) for a, b in zip(local, served))
        assert served[0].shape == (32, 64, 3) and served[0].dtype == np.uint8
    finally:
        serve.delete("wk-storyboard")


def test_tiny_diffusers_model_through_serve_gives_the_same_frames(cluster, tmp_path):
    import torch

    from worldgen.backends.tiny import save_tiny

    model = str(save_tiny("wan-vace", tmp_path / "tiny-wan-vace"))
    options = dict(steps=2, guidance=1.0, max_sequence_length=16, device="cpu")
    # a replica with one CPU runs torch on one thread; so does the in-process reference (same arithmetic)
    serve.run(deployment("wan-vace", model, options=options, num_cpus=1, replicas=1), name="wk-tiny",
              route_prefix=None)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        segment_plans = plans()[1:2]  # a plan that continues from none: one chunk of model work
        local = render_all(load_backend("wan-vace", model, **options), segment_plans)
        served = render_all(ServeBackend(app="wk-tiny"), segment_plans)
        assert len(served) == len(local) == sum(p.frames for p in segment_plans)
        assert all(np.array_equal(a, b) for a, b in zip(local, served))
    finally:
        torch.set_num_threads(threads)
        serve.delete("wk-tiny")


def _replicas(app: str) -> list:
    return [ray.get_actor(a["name"], namespace=a["namespace"]) for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith(f"SERVE_REPLICA::{app}#")]


def test_a_replica_killed_mid_stream_is_retried_and_no_frame_is_lost(cluster):
    """About 20 s: most of it is Serve noticing the dead replica and starting another."""
    serve.run(deployment("storyboard", num_cpus=0.5, replicas=1), name="wk-kill", route_prefix=None)
    try:
        # long plans at full size, so the stream is still being rendered when the replica dies
        segment_plans = plans(frames=120, width=640, height=360)
        local = render_all(load_backend("storyboard"), segment_plans)
        backend = ServeBackend(app="wk-kill")
        history, served, killed = deque(maxlen=HISTORY), [], threading.Event()
        for plan in segment_plans:
            for frame in backend.render(plan, list(history)):
                served.append(np.array(frame))
                history.append(frame)
                if len(served) == 30 and not killed.is_set():
                    (replica,) = _replicas("wk-kill")
                    ray.kill(replica, no_restart=True)  # Serve's controller starts a new one
                    killed.set()
        assert backend.retried >= 1, "the stream was cut off and asked again"
        assert len(served) == len(local), "complete"
        assert all(np.array_equal(a, b) for a, b in zip(local, served)), "in order, and the same frames"
    finally:
        serve.delete("wk-kill")


def test_serve_run_arguments_configure_gpus_and_autoscaling():
    """`serve run worldgen.backends.serve:build_app key=value ...`: Ray passes strings."""
    from worldgen.backends.serve import build_app

    app = build_app({"backend": "wan-vace", "model": "/models/wan", "num_gpus": "1", "min_replicas": "1",
                     "max_replicas": "4", "target_ongoing_requests": "1", "steps": "20", "offload": "true"})
    worker = app._bound_deployment  # what Serve will deploy
    assert worker.ray_actor_options["num_gpus"] == 1.0
    scaling = worker._deployment_config.autoscaling_config
    assert (scaling.min_replicas, scaling.max_replicas, scaling.target_ongoing_requests) == (1, 4, 1.0)
    assert worker.init_args == ("wan-vace", "/models/wan", {"steps": 20, "offload": True})
    with pytest.raises(ValueError, match="num_gpu"):
        build_app({"num_gpu": "1"})
