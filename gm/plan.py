"""State to segment plans: the scene graph and a turn's events compiled into conditioning for a world model.

Continuity comes from the state, not from the model's memory: every entity the
state places at a location is in every plan there, with its appearance copied
verbatim from the state, so nothing drifts or vanishes while the state says it
is present. The plans themselves (:class:`worldgen.plan.SegmentPlan`) are plain
data; this module is the only place that reads the game to make them.
"""

from __future__ import annotations

import hashlib

from gm import events as ev
from gm.state.scene import SceneGraph
from gm.state.world import World
from worldgen.plan import BLEND_FRAMES, Layout, PlanEntity, SegmentPlan, Transition


def location_seed(game_seed: int, location: str) -> int:
    """One seed per location of a game, so a location looks the same whenever it is revisited."""
    digest = hashlib.blake2b(f"{game_seed}:{location}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


# --- layout ------------------------------------------------------------------------

_SCALE = {"pc": 0.42, "npc": 0.42, "companion": 0.22, "monster": 0.8, "entity": 0.5, "item": 0.08}


def layout(scene: SceneGraph) -> dict[str, Layout]:
    """Stable positions: the party on the left, others on the right, big things at the back."""
    party = [e for e in scene.entities if e.in_party]
    others = [e for e in scene.entities if not e.in_party and e.kind in ("npc", "companion")]
    big = [e for e in scene.entities if not e.in_party and e.kind in ("monster", "entity")]
    items = [e for e in scene.entities if e.kind == "item"]
    out: dict[str, Layout] = {}
    for i, e in enumerate(party):
        out[e.id] = Layout(x=0.14 + 0.11 * i, y=0.9 - 0.02 * (i % 2), scale=_SCALE[e.kind])
    for i, e in enumerate(others):
        out[e.id] = Layout(x=0.86 - 0.12 * i, y=0.88, scale=_SCALE[e.kind])
    for i, e in enumerate(big):
        out[e.id] = Layout(x=min(0.92, 0.6 + 0.14 * i), y=0.84, scale=_SCALE[e.kind] * (0.8 if i else 1.0))
    for i, e in enumerate(items):
        out[e.id] = Layout(x=0.42 + 0.07 * i, y=0.94, scale=_SCALE["item"])
    return out


# --- from events to what each entity is doing ----------------------------------------------

def _actions(world: World, events: list[ev.Event]) -> dict[str, dict]:
    """Per entity: action text, speech and effect shown in this segment."""
    out: dict[str, dict] = {}
    names = {**{k: c.name for k, c in world.characters.items()}, **{k: e.name for k, e in world.entities.items()}}

    def note(key: str, **values) -> None:
        out.setdefault(key, {}).update(values)

    for e in events:
        match e:
            case ev.Said(speaker=who, text=text):
                note(who, action="speaking", speech=text)
            case ev.Attack(actor=a, target=t, hit=hit, name=name):
                verb = "attacking" if name == "strike" else f"using {name} on"
                note(a, action=f"{verb} {names.get(t, t)}")
                note(t, effect="hit" if hit else "miss")
            case ev.Damage(target=t):
                note(t, effect="damage")
            case ev.Defeated(character=c):
                note(c, effect="defeated", action="collapsing")
            case ev.Recruited(character=c):
                note(c, effect="joined", action="joining the party")
            case ev.EntityAdded(id=i):
                note(i, effect="appeared", action="arriving")
            case ev.Gave(giver=g, to=t, item=item):
                note(g, action=f"handing over the {world.items[item].name}")
                note(t, action=f"receiving the {world.items[item].name}")
            case ev.Took(character=c, item=item):
                note(c, action=f"picking up the {world.items[item].name}")
            case ev.SkillLearned(character=c, teacher=t):
                note(c, action="learning from " + names.get(t, t))
    return out


def _mood(world: World, events: list[ev.Event], in_combat: bool) -> str:
    kinds = {e.kind for e in events}
    if "campaign_completed" in kinds or ("combat_ended" in kinds and any(
            isinstance(e, ev.CombatEnded) and e.reason == "victory" for e in events)):
        return "triumphant, warm light"
    if in_combat or kinds & {"attack", "damage"}:
        return "tense, dramatic, dynamic action"
    if "routed" in kinds:
        return "bleak, exhausted"
    if kinds & {"said", "learned", "skill_learned"}:
        return "calm, intimate conversation"
    if "entity_added" in kinds:
        return "astonished, something new has arrived"
    return "quiet, atmospheric"


def compile_prompt(world: World, scene: SceneGraph, entities: list[PlanEntity], mood: str) -> str:
    style = world.campaign.style
    parts = [style.visual, scene.visual or scene.description]
    for e in entities:
        doing = f", {e.action}" if e.action else ""
        parts.append(f"{e.appearance} ({e.pose}{doing})")
    parts.append(f"camera: {style.camera}")
    parts.append(f"mood: {mood}")
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."


def plan_scene(world: World, location: str, events: list[ev.Event], *, turn: int, index: int,
               previous: SegmentPlan | None, frames: int, fps: int, width: int, height: int) -> SegmentPlan:
    """One segment at ``location`` as the state now has it, showing ``events``."""
    scene = SceneGraph.of(world, location)
    positions = layout(scene)
    acting = _actions(world, events)
    entities = []
    for e in scene.entities:
        extra = acting.get(e.id, {})
        entities.append(PlanEntity(
            id=e.id, name=e.name, kind=e.kind, appearance=e.appearance, pose=e.pose, action=extra.get("action", ""),
            layout=positions[e.id], hp=(e.hp / e.max_hp) if e.max_hp else None, speech=extra.get("speech"),
            effect=extra.get("effect")))
    mood = _mood(world, events, scene.in_combat)
    plan_id = f"t{turn:04d}-s{index}"
    same_place = previous is not None and previous.location == location
    transition = Transition(from_plan=previous.id, from_prompt=previous.prompt, frames=max(BLEND_FRAMES, frames // 4),
                            kind="blend") \
        if same_place else Transition(from_plan=previous.id if previous else None, frames=0, kind="cut")
    return SegmentPlan(
        id=plan_id, turn=turn, location=location, location_name=scene.location_name, backdrop=scene.visual,
        style=world.campaign.style.visual, prompt=compile_prompt(world, scene, entities, mood),
        negative_prompt=world.campaign.style.negative, camera=world.campaign.style.camera, mood=mood,
        entities=entities, seed=location_seed(world.seed, location), frames=frames, fps=fps, width=width,
        height=height, continuity=previous.id if previous else None, transition=transition)


def plan_turn(before: World, events: list[ev.Event], turn: int, previous: SegmentPlan | None, *,
              frames: int = 48, fps: int = 24, width: int = 640, height: int = 360) -> list[SegmentPlan]:
    """The segments of one turn: what happened at each place, in order, ending where the party is.

    ``before`` is the world as the turn began; events are replayed on a copy so
    each segment shows the state as it was at that moment.
    """
    world = before.copy()
    world.turn = turn
    plans: list[SegmentPlan] = []
    group: list[ev.Event] = []

    def close(location: str) -> None:
        plan = plan_scene(world, location, group, turn=turn, index=len(plans),
                          previous=plans[-1] if plans else previous, frames=frames, fps=fps, width=width,
                          height=height)
        plans.append(plan)

    for event in events:
        leaving = isinstance(event, (ev.Moved, ev.Routed)) and event.to != world.party_location and (
            not isinstance(event, ev.Moved) or any(world.characters[k].in_party for k in event.characters))
        if leaving:
            if any(e.kind not in ("pose", "turn_passed") for e in group):
                close(world.party_location)  # what happened before leaving is shown where it happened
            group = []
        world.apply(event)
        if not leaving:
            group.append(event)
    close(world.party_location)
    return plans
