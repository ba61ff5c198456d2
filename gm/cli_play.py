"""``worldkeeper play``, ``saves``, ``serve`` and ``bot``: playing and serving games."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from gm.campaign.loader import CampaignError, resolve_campaign
from gm.cli_app import app, err, fail, out
from gm.game import Game, TurnError, TurnResult, slug
from gm.safe_text import json_line
from gm.settings import Settings


def _save_location(settings: Settings, save: str | None, default: str) -> tuple[Path, str]:
    """(saves dir, name) from --save, which is a name or a folder path."""
    if save and ("/" in save or save.startswith(".")):
        folder = Path(save).expanduser().resolve()
        return folder.parent, folder.name
    return settings.saves_dir, slug(save or default)


@app.command()
def play(
    campaign: Annotated[Optional[str], typer.Argument(help="A campaign file, or the name of a shipped one.")] = None,
    script: Annotated[Optional[Path], typer.Option(help="Play one input per line from FILE, no interaction.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="With --script: write JSON Lines to stdout.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for the dice.")] = 0,
    save: Annotated[Optional[str], typer.Option(help="Save name, or a folder to save into.")] = None,
    resume: Annotated[Optional[str], typer.Option(help="Continue the saved game NAME.")] = None,
    view: Annotated[bool, typer.Option(help="Also open the live web viewer.")] = False,
    world: Annotated[Optional[str], typer.Option(help="World-model backend (storyboard, wan-vace, ltx, skyreels-df).")] = None,
    world_model: Annotated[Optional[str], typer.Option(help="Weights directory or model id for --world.")] = None,
    video: Annotated[bool, typer.Option(help="Render a clip per turn (clips/ in the save folder).")] = True,
    session_video: Annotated[bool, typer.Option(
        "--session-video", help="When the run ends, join every clip into session.mp4 (see `worldkeeper video`).")] = False,
    llm: Annotated[Optional[str], typer.Option(help="embedded, openai, transformers or none.")] = None,
    host: Annotated[Optional[str], typer.Option(help="With --view: address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="With --view: port (default 8765).")] = None,
    token: Annotated[Optional[str], typer.Option(help="With --view: a token the viewer requires.")] = None,
) -> None:
    """Play a campaign: interactively, or from a script with --script."""
    overrides = {k: v for k, v in {"world": world, "world_model": world_model, "llm": llm}.items() if v}
    settings = Settings(**overrides)
    from gm.runtime import build_components, open_video  # heavy imports only when playing

    if campaign is None and resume is None and script is None:
        from gm.tui import choose_campaign
        try:
            campaign = choose_campaign()
        except ValueError as exc:
            raise fail(str(exc))
        if campaign is None:
            raise typer.Exit(0)
    try:
        if json_out or script is not None:
            components = build_components(settings, progress=not json_out)
        else:
            from gm.runtime import load_llm
            llm_model = load_llm(settings, progress=True)  # its one-time conversion shows its own progress bar
            with err.status("Loading the game master's models…", spinner="dots"):
                components = build_components(settings, progress=False, llm=llm_model)
        if resume:
            saves_dir, name = _save_location(settings, resume, resume)
            game = Game.open(name, saves_dir, settings.database_url, components=components,
                             player_choices=script is None)
        else:
            path = resolve_campaign(campaign or "")
            default = f"{Path(path).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
            saves_dir, name = _save_location(settings, save, default)
            game = Game.create(path, saves_dir, name=name, seed=seed, database_url=settings.database_url,
                               components=components, player_choices=script is None)
    except CampaignError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc))
    live = view and script is None
    try:  # one world stream for the game: the clips and the live viewer are made from the same frames
        stream = open_video(settings, game, record=video, live=live) if video or live else None
    except (OSError, ValueError) as exc:  # a world model that is not there, or cannot be loaded
        game.close()
        raise fail(str(exc))
    try:
        if script is not None:
            _play_script(game, script, json_out, stream, session_video)
        else:
            _play_terminal(game, settings, stream, live, host, port, token, session_video)
    finally:
        if stream is not None:
            stream.close()
        game.close()


def _assemble(stream, report) -> str | None:
    """session.mp4 from the clips, each clip that cannot be read reported (and left out)."""
    return stream.assemble(lambda part, exc: report(f"session video: left out {part}, which cannot be read ({exc})"))


def _play_terminal(game: Game, settings: Settings, stream, view: bool, host: str | None, port: int | None,
                   token: str | None, session_video: bool) -> None:
    from gm.session import PlaySession
    from gm.tui import play_interactive

    host, port = host or settings.web_host, port or settings.web_port
    token = token or settings.web_token.get_secret_value() or None
    url = None
    session = PlaySession(game, stream)
    if view:
        from gm.web import serve_in_background, viewer_url
        try:
            serve_in_background(session, host, port, token)
        except ValueError as exc:
            raise fail(str(exc))
        url = viewer_url(host, port, token)
    recovered = _finish_interrupted(session)
    if recovered is not None:
        out.print(f"Turn {recovered.number}, cut off when the game last stopped, is finished:", markup=False)
        out.print(recovered.narration, markup=False)
    try:
        play_interactive(session, settings, url)
    finally:
        if stream is not None and stream.recorder is not None:
            if session_video:
                video = _assemble(stream, lambda message: err.print(f"warning: {message}", markup=False))
                if video:
                    out.print(f"Session video: {video}", markup=False)
            else:
                out.print(f"Clips: {stream.recorder.clips} (`worldkeeper video {game.name}` joins them into one "
                          "video)", markup=False)


def _play_script(game: Game, script: Path, json_out: bool, stream, session_video: bool) -> None:
    try:
        lines = script.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {script}: {exc}")
    from gm.session import PlaySession

    session = PlaySession(game, stream)
    recording = stream is not None and stream.recorder is not None
    emit = (lambda obj: sys.stdout.write(json_line(obj) + "\n")) if json_out else None

    def report(result: TurnResult) -> None:
        if result.recovered is not None:
            report(result.recovered)
        trace = result.trace()
        if recording:
            trace["clip"] = result.clip
        if emit:
            emit(trace)
        else:
            out.print(f"> {result.input}", markup=False, style="bold")
            out.print(result.narration, markup=False)

    if not emit and game.world().turn == 0:
        out.print(game.opening_scene(), markup=False)  # the opening sets the scene
    recovered = _finish_interrupted(session, emit)
    if recovered is not None:
        report(recovered)  # the turn the last run was cut off in, like any other turn
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            report(session.act(line))
        except TurnError as exc:  # the turn was not played (or was undone): say so and go on with the next line
            _report_error(str(exc), line, emit)
    final = game.final_state()
    if recording:
        final["clips"] = str(stream.recorder.clips)
        if session_video:
            warn = (lambda message: emit({"type": "warning", "message": message})) if emit else \
                (lambda message: err.print(f"warning: {message}", markup=False))
            final["session_video"] = _assemble(stream, warn)
    if emit:
        emit(final)
        sys.stdout.flush()
    elif recording and session_video:
        out.print(f"Session video: {final['session_video']}", markup=False)


def _finish_interrupted(session, emit=None) -> TurnResult | None:
    """Finish a turn the last run was cut off in; one that fails again is undone, with a message."""
    try:
        return session.recover()
    except TurnError as exc:
        _report_error(str(exc), None, emit)
        return None


def _report_error(message: str, line: str | None, emit) -> None:
    if emit:
        emit({"type": "error", "input": line, "message": message})
    else:
        err.print(message, markup=False)


@app.command()
def saves() -> None:
    """List saved games."""
    settings = Settings()
    from gm.state.store import Store
    from gm.state.db import sqlite_url
    folder = settings.saves_dir
    found = False
    if settings.database_url:
        for g in Store(settings.database_url).games():
            found = True
            out.print(f"{g.name}: {g.title}, turn {g.turn}, {g.status}, at {g.location}", markup=False)
    elif folder.exists():
        for save in sorted(p for p in folder.iterdir() if (p / "game.sqlite").exists()):
            for g in Store(sqlite_url(save / "game.sqlite")).games():
                found = True
                out.print(f"{g.name}: {g.title}, turn {g.turn}, {g.status}, at {g.location} "
                          f"(updated {g.updated_at:%Y-%m-%d %H:%M})", markup=False)
    if not found:
        out.print("No saved games yet. Start one with: worldkeeper play", markup=False)


@app.command()
def video(save: Annotated[str, typer.Argument(help="The saved game (a name, or its folder).")]) -> None:
    """Join a saved game's clips into its session video (session.mp4), leaving out any it cannot read."""
    from worldgen.recorder import SessionRecorder

    settings = Settings()
    saves_dir, name = _save_location(settings, save, save)
    folder = saves_dir / name
    if not (folder / "clips").is_dir():
        raise fail(f"no clips for a saved game at {folder}")
    recorder = SessionRecorder(folder, settings.fps, int(settings.clip_limit_mb * 2**20))
    made = recorder.assemble(lambda part, exc: err.print(f"warning: left out {part}, which cannot be read ({exc})",
                                                         markup=False))
    if made is None:
        raise fail(f"no readable clip in {folder / 'clips'}")
    out.print(f"Session video: {made}", markup=False)


@app.command()
def serve(
    save: Annotated[str, typer.Argument(help="The saved game to show and play.")],
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 8765).")] = None,
    token: Annotated[Optional[str], typer.Option(help="A token the viewer requires (needed off this machine).")] = None,
    llm: Annotated[Optional[str], typer.Option(help="embedded, openai, transformers or none.")] = None,
) -> None:
    """Serve the live web viewer for a saved game."""
    import uvicorn

    from gm.runtime import build_components, open_video
    from gm.session import PlaySession
    from gm.web import check_binding, create_app, viewer_url

    settings = Settings(**({"llm": llm} if llm else {}))
    host, port = host or settings.web_host, port or settings.web_port
    token = token or settings.web_token.get_secret_value() or None
    try:
        check_binding(host, token)
        saves_dir, name = _save_location(settings, save, save)
        game = Game.open(name, saves_dir, settings.database_url, components=build_components(settings))
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc))
    session = PlaySession(game, open_video(settings, game, record=True, live=True))
    err.print(f"Worldkeeper viewer for {name}: {viewer_url(host, port, token)}", markup=False)
    try:
        uvicorn.run(create_app(session, token, host), host=host, port=port, log_level="warning")
    finally:
        session.close()
        game.close()


@app.command("bot")
def bot_command(check: Annotated[bool, typer.Option(
        "--check", help="Check the settings and the database, list the games this process's shards serve, "
                        "and exit without connecting to Discord.")] = False) -> None:
    """Run the Discord bot (token from WORLDKEEPER_DISCORD_TOKEN)."""
    from bot.run import check_bot, run_bot

    try:
        if check:
            out.print(check_bot(Settings()), markup=False)
        else:
            run_bot(Settings())
    except ValueError as exc:
        raise fail(str(exc))
