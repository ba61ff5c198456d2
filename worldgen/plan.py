"""Segment plans: what a world model is asked to render, and all it is told.

A :class:`SegmentPlan` says everything a backend needs to render a few seconds
of video: the prompt (style + location + every present entity's fixed
appearance, pose and action + camera + mood), a negative prompt, each entity
with a layout position, a seed, frame count and fps, the previous segment it
continues, and how to blend into it.

Plans are plain data: the game compiles them from its state (:mod:`gm.plan`),
and nothing in :mod:`worldgen` knows about the game beyond them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BLEND_FRAMES = 12  # the shortest blend between two prompts at one location


class Layout(BaseModel):
    model_config = ConfigDict(frozen=True)

    x: float = Field(ge=0, le=1, description="Horizontal centre, 0 = left edge.")
    y: float = Field(ge=0, le=1, description="Feet line, 0 = top edge.")
    scale: float = Field(gt=0, description="Height as a fraction of the frame height.")


class PlanEntity(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    kind: str
    appearance: str
    pose: str
    action: str = ""
    layout: Layout
    hp: float | None = None  # fraction of max hp, for characters
    speech: str | None = None
    effect: Literal["hit", "miss", "damage", "defeated", "joined", "appeared"] | None = None


class Transition(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_plan: str | None = None
    # the prompt blended from: carried by the plan so that any worker (a Serve replica shared by many
    # games, or a fresh one after a retry) blends from this game's last segment, not its own last render
    from_prompt: str | None = None
    frames: int = 0
    kind: Literal["blend", "cut"] = "cut"


class SegmentPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    turn: int
    location: str
    location_name: str
    backdrop: str  # the location's visual descriptor
    style: str
    prompt: str
    negative_prompt: str
    camera: str
    mood: str
    entities: list[PlanEntity]
    seed: int
    frames: int
    fps: int
    width: int = 640
    height: int = 360
    continuity: str | None = None  # the previous segment's id
    transition: Transition = Transition()
    idle: bool = False
    caption: str = ""

    def trace(self) -> dict:
        """The compact form in the scripted-play JSON."""
        return {"id": self.id, "location": self.location, "prompt": self.prompt,
                "entities": [{"id": e.id, "appearance": e.appearance, "pose": e.pose} for e in self.entities]}


def idle_plan(previous: SegmentPlan, n: int) -> SegmentPlan:
    """More of the same state with ambient motion only: the stream never drifts back to the opening."""
    calm = [e.model_copy(update={"speech": None, "effect": None, "action": ""}) for e in previous.entities]
    return previous.model_copy(update={
        "id": f"{previous.id}-idle{n}", "entities": calm, "idle": True, "continuity": previous.id,
        "transition": Transition(from_plan=previous.id, from_prompt=previous.prompt, frames=BLEND_FRAMES,
                                 kind="blend")})
