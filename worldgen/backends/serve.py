"""World-model workers on Ray Serve: many games share a pool of (GPU) replicas.

The deployment wraps any in-process backend (``load_backend``) and serves its
``render``: a segment plan (as JSON) and the history frames in, the plan's frames
streamed back as they are made. :class:`ServeBackend` is the game's side: a
:class:`~worldgen.backends.base.WorldBackend` like any other, so a game switches
to it with a setting (``WORLDKEEPER_WORLD=serve``) and nothing else changes.

A replica that dies mid-stream (a crashed worker, a preempted node) costs no
frames: the client asks again, and the new replica renders the plan from the
same history and skips the frames already delivered. Backends are deterministic
for a plan and a history, so the frames arrive complete, in order, and identical.

Start the workers with Ray's own CLI, e.g. on a GPU cluster::

    serve run worldgen.backends.serve:build_app backend=wan-vace model=/models/wan num_gpus=1 \\
        min_replicas=1 max_replicas=4

Ray is an optional extra: ``pip install "worldkeeper[serve]"``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import numpy as np

from worldgen.backends.base import Frame, WorldBackend
from worldgen.plan import SegmentPlan

log = logging.getLogger(__name__)

DEFAULT_APP = "worldkeeper-world"
DEPLOYMENT = "WorldModel"


class WorldModelWorker:
    """One replica: one loaded world model (one per replica; run one application per model)."""

    def __init__(self, backend: str, model: str | None = None, options: dict | None = None):
        from concurrent.futures import ThreadPoolExecutor

        from worldgen.backends import load_backend

        self.backend = load_backend(backend, model, **(options or {}))
        # one render thread: the streams this replica serves take turns frame by frame (one model, one device),
        # and the event loop that sends their frames never fights several render threads for the GIL
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")

    async def render(self, plan: dict, history: list[Frame], skip: int = 0,
                     per_message: int = 1) -> AsyncIterator[np.ndarray]:
        """The plan's frames from frame ``skip`` on, ``per_message`` frames stacked in each message.

        The backend renders in the render thread, so the replica's event loop keeps sending the frames of
        every stream it serves while a frame is being made."""
        loop = asyncio.get_running_loop()
        frames = self.backend.render(SegmentPlan.model_validate(plan), history)
        batch: list[Frame] = []
        index = 0
        while (frame := await loop.run_in_executor(self._renderer, next, frames, None)) is not None:
            index += 1
            if index <= skip:
                continue  # already delivered before a retry; rendered anyway, for the backend's continuity
            batch.append(frame)
            if len(batch) >= per_message:
                yield np.stack(batch)
                batch = []
        if batch:
            yield np.stack(batch)

    def __del__(self):
        backend = getattr(self, "backend", None)
        if backend is not None:
            backend.close()


def deployment(backend: str = "storyboard", model: str | None = None, *, options: dict | None = None,
               num_gpus: float = 0, num_cpus: float = 1, replicas: int | None = None, min_replicas: int = 1,
               max_replicas: int = 1, target_ongoing_requests: float = 2, max_ongoing_requests: int = 4):
    """The Serve application of one world model.

    ``replicas`` fixes the count; otherwise Serve autoscales between ``min_replicas`` and ``max_replicas`` on
    ongoing requests (streams being rendered) per replica. A diffusion model wants ``num_gpus=1`` and
    ``max_ongoing_requests`` near 1-2: a GPU renders one stream at a time well."""
    from ray import serve

    scaling: dict[str, Any]
    if replicas is not None:
        scaling = {"num_replicas": replicas}
    else:
        scaling = {"autoscaling_config": {"min_replicas": min_replicas, "max_replicas": max_replicas,
                                          "target_ongoing_requests": target_ongoing_requests}}
    worker = serve.deployment(WorldModelWorker, name=DEPLOYMENT, max_ongoing_requests=max_ongoing_requests,
                              ray_actor_options={"num_gpus": num_gpus, "num_cpus": num_cpus}, **scaling)
    return worker.bind(backend, model, options or {})


def build_app(args: dict[str, str]):
    """For ``serve run worldgen.backends.serve:build_app key=value ...`` (Ray passes the values as strings).

    Keys: backend, model, num_gpus, num_cpus, replicas, min_replicas, max_replicas, target_ongoing_requests,
    max_ongoing_requests, and the diffusers options steps, guidance, offload, device."""
    args = dict(args)
    numbers = {"num_gpus": float, "num_cpus": float, "replicas": int, "min_replicas": int, "max_replicas": int,
               "target_ongoing_requests": float, "max_ongoing_requests": int}
    scaling = {key: kind(args.pop(key)) for key, kind in numbers.items() if key in args}
    backend, model = args.pop("backend", "storyboard"), args.pop("model", None)
    options: dict[str, Any] = {}
    for key, kind in {"steps": int, "guidance": float, "offload": lambda v: v.lower() in ("1", "true", "yes"),
                      "device": str}.items():
        if key in args:
            options[key] = kind(args.pop(key))
    if args:
        raise ValueError(f"unknown arguments for the world model application: {', '.join(sorted(args))}")
    return deployment(backend, model, options=options, **scaling)


def connect(address: str = "auto") -> None:
    """Join the Ray cluster at ``address`` ('auto': the one running here; 'local': start one in-process)."""
    import ray

    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, namespace="worldkeeper", log_to_driver=False,
                 include_dashboard=False)


class ServeBackend(WorldBackend):
    """Renders through a Serve application of :func:`deployment`; retries a stream cut off by a dead replica.

    ``per_message`` frames travel together: one frame per message costs 1-2 ms a frame more than rendering
    in-process, eight cost nothing measurable (bench/serve_bench.py); eight storyboard frames take ~20 ms.
    """

    name = "serve"

    def __init__(self, address: str = "auto", app: str = DEFAULT_APP, *, retries: int = 3, per_message: int = 8):
        from ray import serve

        connect(address)
        self.handle = serve.get_app_handle(app).options(stream=True)
        self.retries, self.per_message = retries, per_message
        self.retried = 0  # streams asked again after a replica died (for tests and logs)

    def render(self, plan: SegmentPlan, history: Sequence[Frame]) -> Iterator[Frame]:
        from ray.exceptions import RayActorError

        payload, past = plan.model_dump(mode="json"), list(history)
        delivered = 0
        for attempt in range(self.retries + 1):
            try:
                for batch in self.handle.render.remote(payload, past, delivered, self.per_message):
                    for frame in batch:
                        delivered += 1
                        yield frame
                return
            except RayActorError as exc:  # the replica died or became unreachable; errors of the model itself
                if attempt == self.retries:  # come as RayTaskError and are not retried
                    raise
                self.retried += 1
                log.warning("world model replica lost after %d frames of plan %s (%s); asking again",
                            delivered, plan.id, type(exc).__name__)
