"""Diffusers world-model backends: real open video models behind :class:`WorldBackend`.

* ``wan-vace`` (:class:`WanVACEBackend`): the storyboard frames of a plan are the VACE
  control video, so every entity appears where the scene graph puts it; each persistent
  entity has a reference image, drawn once and kept, so its identity holds; the tail of
  the previous segment is kept (masked out) at the start of the next.
* ``ltx`` (:class:`LTXBackend`): LTX-Video 0.9.x through ``LTXConditionPipeline``; segments
  chain on the previous segment's tail frames, and a change of location starts from a
  keyframe condition (the storyboard's first frame).
* ``skyreels-df`` (:class:`SkyReelsDFBackend`): SkyReels-V2 diffusion forcing for long
  continuous shots, extending the previous frames with ``overlap_history``.

All of them blend prompts: across a plan's transition the prompt embeddings are
interpolated from the previous plan's to the new one's, chunk by chunk.
"""

from __future__ import annotations

import math
from pathlib import Path
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from worldgen.backends.base import Frame, WorldBackend
from worldgen.plan import PlanEntity, SegmentPlan, Transition
from worldgen.storyboard.figures import sprite

# Recommended checkpoints (see the README for the memory each needs).
DEFAULT_MODELS = {
    "wan-vace": "Wan-AI/Wan2.1-VACE-1.3B-diffusers",
    "ltx": "Lightricks/LTX-Video-0.9.7-distilled",
    "skyreels-df": "Skywork/SkyReels-V2-DF-1.3B-540P-Diffusers",
}


@dataclass
class DiffusionOptions:
    steps: int = 30
    guidance: float = 5.0
    device: str | None = None  # default: cuda when available
    dtype: str | None = None  # default: bfloat16 on cuda, float32 on cpu
    offload: bool = False  # model CPU offload, for smaller GPUs
    tail: int = 4  # frames of the previous segment that condition the next
    max_sequence_length: int = 226


def interpolation_schedule(transition: Transition, frames: int, granularity: int) -> list[tuple[int, float]]:
    """Chunks of a segment as (frame count, weight of the new prompt).

    A blend of N frames is split into chunks of ``granularity`` frames whose weights
    rise evenly towards 1; the rest of the segment uses the new prompt alone.
    """
    if transition.kind != "blend" or transition.frames <= 0 or frames <= 0:
        return [(frames, 1.0)]
    blend = min(transition.frames, frames)
    steps = math.ceil(blend / granularity)
    chunks = [(min(granularity, blend - k * granularity), (k + 1) / (steps + 1)) for k in range(steps)]
    if frames > blend:
        chunks.append((frames - blend, 1.0))
    return chunks


def model_frames(n: int, multiple: int) -> int:
    """The least ``multiple * k + 1`` frame count that covers ``n`` frames."""
    return multiple * max(1, math.ceil((n - 1) / multiple)) + 1


def _to_uint8(video) -> list[Frame]:
    array = np.asarray(video)
    if array.dtype != np.uint8:
        array = (np.clip(array, 0, 1) * 255).round().astype(np.uint8)
    return list(array)


def _resize(frame: Frame, width: int, height: int) -> Frame:
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.BILINEAR))


def _lerp(a, b, alpha: float):
    if a is None or alpha >= 1.0:
        return b
    return a * (1.0 - alpha) + b * alpha


class DiffusionBackend(WorldBackend):
    """Shared logic; subclasses say how one chunk is asked of their pipeline."""

    frame_multiple = 4
    size_multiple = 16

    def __init__(self, pipe, options: DiffusionOptions | None = None):
        import torch

        from worldgen.backends.storyboard import StoryboardBackend

        self.pipe = pipe
        self.options = options or DiffusionOptions()
        self.torch = torch
        self.storyboard = StoryboardBackend()  # the layout: where the scene graph puts everyone
        self._layout: tuple[str, list[Frame]] = ("", [])
        self._embeds: dict[str, tuple] = {}
        if hasattr(pipe, "set_progress_bar_config"):
            pipe.set_progress_bar_config(disable=True)

    # --- loading ---------------------------------------------------------------------------

    pipeline_class_name = ""

    @classmethod
    def from_pretrained(cls, model: str | None, options: DiffusionOptions | None = None) -> DiffusionBackend:
        """Load from a local directory or a Hugging Face model id; pick dtype and device; offload if asked."""
        try:
            import diffusers
        except ImportError as exc:  # the default install renders with the storyboard only
            raise ValueError(f'the {cls.name} world backend needs diffusers: pip install "worldkeeper[gpu]"') from exc
        import torch

        options = options or DiffusionOptions()
        device = options.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = getattr(torch, options.dtype) if options.dtype else (torch.bfloat16 if device == "cuda"
                                                                      else torch.float32)
        pipe_class = getattr(diffusers, cls.pipeline_class_name)
        source = model or DEFAULT_MODELS[cls.name]
        local = Path(source).expanduser()
        if source.startswith((".", "/", "~")) or local.exists():  # a folder, not a Hugging Face id
            if not (local / "model_index.json").is_file():
                raise ValueError(f"no {cls.name} world model at {local} (expected a diffusers folder with "
                                 "model_index.json)")
            source = str(local)
        try:
            pipe = pipe_class.from_pretrained(source, torch_dtype=dtype)
        except (OSError, ValueError, EnvironmentError) as exc:  # not downloadable, not this pipeline, broken
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"cannot load the {cls.name} world model {source}: {first}") from exc
        if options.offload and device == "cuda":
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(device)
        options.device = device
        return cls(pipe, options)

    @property
    def device(self):
        return getattr(self.pipe, "_execution_device", None) or self.options.device or "cpu"

    # --- prompts --------------------------------------------------------------------------------

    def encode(self, prompt: str, negative: str) -> tuple:
        """Prompt embeddings (cached per text): what the interpolation blends."""
        key = f"{prompt}\x00{negative}"
        if key not in self._embeds:
            self._embeds[key] = self._encode(prompt, negative)
            if len(self._embeds) > 64:
                self._embeds.pop(next(iter(self._embeds)))
        return self._embeds[key]

    def _encode(self, prompt: str, negative: str) -> tuple:
        positive, negative_embeds = self.pipe.encode_prompt(
            prompt=prompt, negative_prompt=negative, do_classifier_free_guidance=self.options.guidance > 1.0,
            max_sequence_length=self.options.max_sequence_length, device=self.device)
        return positive, negative_embeds

    # --- rendering -------------------------------------------------------------------------------

    def layout(self, plan: SegmentPlan, size: tuple[int, int]) -> list[Frame]:
        """The storyboard of the plan at the model's size, drawn once per plan and shared by its chunks
        (with a margin past the plan's end, since chunks round up to the model's frame counts)."""
        key = f"{plan.id}:{size}"
        if self._layout[0] != key:
            frames = plan.frames + self.frame_multiple
            still = plan.model_copy(update={"frames": frames, "transition": Transition()})
            self._layout = (key, [_resize(f, *size) for f in self.storyboard.render(still, [])])
        return self._layout[1]

    def size(self, plan: SegmentPlan) -> tuple[int, int]:
        m = self.size_multiple
        return max(m, plan.width // m * m), max(m, plan.height // m * m)

    def render(self, plan: SegmentPlan, history: Sequence[Frame]) -> Iterator[Frame]:
        current = self.encode(plan.prompt, plan.negative_prompt)
        blend_from = plan.transition.from_prompt if plan.transition.kind == "blend" else None
        previous = self.encode(blend_from, plan.negative_prompt) if blend_from else None
        width, height = self.size(plan)
        tail = [_resize(f, width, height) for f in list(history)[-self.options.tail:]]
        if plan.transition.kind == "cut":
            tail = []  # a new place starts fresh (from a keyframe where the backend has one)
        offset = 0
        for count, alpha in interpolation_schedule(plan.transition, plan.frames, self.frame_multiple * 2):
            embeds = tuple(_lerp(p, c, alpha) for p, c in zip(previous, current)) if previous else current
            generator = self.torch.Generator("cpu").manual_seed(plan.seed + offset)
            frames = self.generate(plan, offset, count, embeds, tail, (width, height), generator)[:count]
            for frame in frames:
                yield _resize(frame, plan.width, plan.height)
            tail = frames[-self.options.tail:]
            offset += count

    def generate(self, plan: SegmentPlan, offset: int, count: int, embeds: tuple, tail: list[Frame],
                 size: tuple[int, int], generator) -> list[Frame]:
        raise NotImplementedError

    def _common(self, count: int, size: tuple[int, int], generator) -> dict:
        return {"height": size[1], "width": size[0], "num_frames": model_frames(count, self.frame_multiple),
                "num_inference_steps": self.options.steps, "guidance_scale": self.options.guidance,
                "generator": generator, "output_type": "np"}

    def close(self) -> None:
        self._embeds.clear()
        self.pipe = None


class WanVACEBackend(DiffusionBackend):
    name = "wan-vace"
    pipeline_class_name = "WanVACEPipeline"
    frame_multiple, size_multiple = 4, 16

    def __init__(self, pipe, options: DiffusionOptions | None = None):
        super().__init__(pipe, options)
        self.references: dict[tuple[str, str], Image.Image] = {}  # kept with each entity

    def reference(self, entity: PlanEntity, size: tuple[int, int]) -> Image.Image:
        """The entity's reference image: drawn once from its appearance, then reused every segment."""
        key = (entity.id, entity.appearance)
        if key not in self.references:
            canvas = Image.new("RGB", size, (128, 128, 128))
            figure = sprite(entity.id, entity.kind, entity.appearance, "standing", int(size[1] * 0.9))
            canvas.paste(figure, ((size[0] - figure.width) // 2, size[1] - figure.height), figure)
            self.references[key] = canvas
        return self.references[key]

    def generate(self, plan, offset, count, embeds, tail, size, generator):
        n = model_frames(count, self.frame_multiple)
        layout = self.layout(plan, size)[offset:offset + n]
        control = [Image.fromarray(f) for f in layout]
        keep = min(len(tail), n)
        for i in range(keep):  # the previous segment's tail, kept as it was
            control[i] = Image.fromarray(tail[i])
        mask = [Image.new("L", size, 0 if i < keep else 255) for i in range(n)]
        refs = [self.reference(e, size) for e in plan.entities if e.kind not in ("item",)]
        positive, negative = embeds
        return _to_uint8(self.pipe(video=control, mask=mask, reference_images=refs or None, prompt_embeds=positive,
                                   negative_prompt_embeds=negative, **self._common(count, size, generator)).frames[0])


class LTXBackend(DiffusionBackend):
    name = "ltx"
    pipeline_class_name = "LTXConditionPipeline"
    frame_multiple, size_multiple = 8, 32

    def _encode(self, prompt: str, negative: str) -> tuple:
        return self.pipe.encode_prompt(prompt=prompt, negative_prompt=negative,
                                       do_classifier_free_guidance=self.options.guidance > 1.0,
                                       max_sequence_length=self.options.max_sequence_length, device=self.device)

    def generate(self, plan, offset, count, embeds, tail, size, generator):
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        if tail:  # chain on the previous frames
            conditions = [LTXVideoCondition(video=[Image.fromarray(f) for f in tail], frame_index=0)]
        else:  # a new place: start from the storyboard's picture of it
            first = self.layout(plan, size)[offset]
            conditions = [LTXVideoCondition(image=Image.fromarray(first), frame_index=0)]
        positive, positive_mask, negative, negative_mask = embeds
        masks = {"prompt_attention_mask": (positive_mask > 0).long() if positive_mask is not None else None}
        if negative is not None:
            masks["negative_prompt_attention_mask"] = (negative_mask > 0).long()
        return _to_uint8(self.pipe(conditions=conditions, prompt_embeds=positive, negative_prompt_embeds=negative,
                                   frame_rate=plan.fps, **masks, **self._common(count, size, generator)).frames[0])


class SkyReelsDFBackend(DiffusionBackend):
    name = "skyreels-df"
    pipeline_class_name = "SkyReelsV2DiffusionForcingPipeline"
    frame_multiple, size_multiple = 4, 16

    def __init__(self, pipe, options: DiffusionOptions | None = None):
        super().__init__(pipe, options)
        from diffusers import SkyReelsV2DiffusionForcingVideoToVideoPipeline

        self.extend = SkyReelsV2DiffusionForcingVideoToVideoPipeline.from_pipe(pipe)  # shares the weights
        self.extend.set_progress_bar_config(disable=True)

    def generate(self, plan, offset, count, embeds, tail, size, generator):
        positive, negative = embeds
        common = self._common(count, size, generator)
        df = {"overlap_history": None, "addnoise_condition": 20, "fps": plan.fps}
        if tail:
            video = [Image.fromarray(f) for f in tail]
            out = self.extend(video=video, prompt=None, prompt_embeds=positive, negative_prompt_embeds=negative,
                              **{**df, "overlap_history": len(video)}, **common).frames[0]
            return _to_uint8(out)[len(video):]  # the output repeats the frames it continued from
        return _to_uint8(self.pipe(prompt=None, prompt_embeds=positive, negative_prompt_embeds=negative, **df,
                                   **common).frames[0])


BACKEND_CLASSES = {cls.name: cls for cls in (WanVACEBackend, LTXBackend, SkyReelsDFBackend)}


def load_diffusion_backend(name: str, model: str | None = None, **options) -> DiffusionBackend:
    return BACKEND_CLASSES[name].from_pretrained(model, DiffusionOptions(**options))
