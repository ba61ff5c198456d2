"""Wiring: builds the components a game uses from settings.

The only module that knows which concrete model, embedder or renderer backs
each stage; the game API and its adapters take what this builds.
"""

from __future__ import annotations

from gm import events as ev
from gm.game import Components, Game
from gm.settings import Settings
from gm.state.world import World


def make_planner(settings: Settings):
    from gm.plan import plan_turn
    from worldgen.plan import SegmentPlan

    def planner(before: World, events: list[ev.Event], turn: int, previous: dict | None) -> list[dict]:
        last = SegmentPlan.model_validate(previous) if previous else None
        plans = plan_turn(before, events, turn, last, frames=settings.segment_frames, fps=settings.fps,
                          width=settings.width, height=settings.height)
        return [p.model_dump(mode="json") for p in plans]

    return planner


def load_llm(settings: Settings, progress: bool = True):
    """The configured language model, or None when ``llm = none``."""
    from gm.agent.models import OpenAIModel, TransformersModel, embedded_model_dir

    if settings.llm == "none":
        return None
    if settings.llm == "openai":
        return OpenAIModel(settings.llm_base_url, settings.llm_model or "default",
                           settings.llm_api_key.get_secret_value(), timeout=settings.llm_timeout)
    if settings.llm == "transformers":
        if not settings.llm_model:
            raise ValueError("WORLDKEEPER_LLM_MODEL must name a local model directory for llm=transformers")
        return TransformersModel(settings.llm_model, "transformers")
    return TransformersModel(embedded_model_dir(settings.cache_dir, _conversion_progress() if progress else None),
                             "embedded")


def _conversion_progress():
    """A progress bar (on stderr) for the one-time conversion of the embedded model."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]Preparing the embedded model (once):[/bold] {task.description}"), BarColumn(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("starting", total=4)

    def step(message: str) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, advance=1, description=message)
        if bar.tasks[0].completed >= 4:
            bar.stop()

    return step


def build_components(settings: Settings, progress: bool = True, llm=None, embed=None) -> Components:
    """Grounding by embeddings (the model chooses among close candidates), checked flavor, entity extraction."""
    from gm.agent.conversation import TopicPicker
    from gm.agent.grounding import EmbeddingGrounder
    from gm.agent.models import load_embedder
    from gm.agent.voice import ModelNotices, make_chooser, make_extractor, make_flavor

    from gm.agent.checks import CheckJudge

    llm = llm if llm is not None else load_llm(settings, progress)
    strong = llm is not None and llm.name != "embedded"
    notices = ModelNotices()
    embed = embed if embed is not None else load_embedder(settings.embedder)
    # a chat model judges open actions (stat, difficulty, authored attempt); the embedded one is too small to
    # the embedded 270M model's tie-break did not help on the dev set (#10: 336/365 with it, 337/365 without,
    # and slower), so only a configured chat model chooses between close readings
    grounder = EmbeddingGrounder(embed, chooser=make_chooser(llm, notices) if strong else None, always_ask_model=strong,
                                 judge=CheckJudge(embed, llm if strong else None))
    topics = TopicPicker(embed, llm, always_ask_model=strong, notify=notices.add)
    flavor = None
    if llm is not None and settings.llm_flavor:
        flavor = make_flavor(llm, max_new_tokens=96, sentences=3, notices=notices) if strong else \
            make_flavor(llm, notices=notices)
    return Components(grounder=grounder, flavor=flavor, extractor=make_extractor(llm, notices) if llm else None,
                      planner=make_planner(settings), topics=topics, notices=notices)


def warm_storyboard(settings: Settings, world: World) -> None:
    """Paint every location's backdrop in the background (the storyboard's only slow step)."""
    import threading

    from gm.plan import location_seed
    from worldgen.storyboard.backdrops import warm

    places = [(loc.visual, world.campaign.style.visual, location_seed(world.seed, key))
              for key, loc in world.campaign.locations.items()]
    threading.Thread(target=warm, args=(places, settings.width, settings.height), daemon=True).start()


def world_backend(settings: Settings):
    """The configured world model: the storyboard, or a diffusers backend with its options."""
    from worldgen.backends import load_backend

    if settings.world == "storyboard":
        return load_backend("storyboard")
    if settings.world == "serve":
        return load_backend("serve", address=settings.serve_address, app=settings.serve_app)
    return load_backend(settings.world, settings.world_model, steps=settings.world_steps,
                        guidance=settings.world_guidance, offload=settings.world_offload, device=settings.world_device)


def open_video(settings: Settings, game: Game, *, record: bool = True, live: bool = False):
    """The game's one world stream (one world model, each turn rendered once): per-turn clips in the save
    folder when ``record``, and the live fMP4 for the web viewer when ``live``, both from the same frames."""
    from worldgen.plan import SegmentPlan
    from worldgen.recorder import GameVideo

    world = game.world()
    if live:
        warm_storyboard(settings, world)
    last = game.last_plan()
    if last is None:
        last = make_planner(settings)(world, [], world.turn, None)[-1]
    video = GameVideo(world_backend(settings), SegmentPlan.model_validate(last),
                      game.folder if record else None, settings.fps, int(settings.clip_limit_mb * 2**20))
    if live:
        video.start_live()
    return video


def open_recorder(settings: Settings, game: Game):
    """Clips only, no live viewer (the Discord bot's games)."""
    return open_video(settings, game, record=True, live=False)
