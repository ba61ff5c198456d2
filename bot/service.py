"""Campaigns in Discord channels, independent of Discord itself.

One game per channel, stored in SQL; the cogs in :mod:`bot.cogs` turn slash
commands into calls here and :class:`Reply` values into embeds. A restart loses
nothing: games are reopened from the database (and unfinished turns from their
checkpoints) on first use.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from gm.campaign.loader import CampaignError, load_campaign, parse_campaign, resolve_campaign, shipped_campaigns
from gm.game import Components, Game, TurnResult
from gm.session import PlaySession

MAX_ACTION = 300
MAX_UPLOAD = 512 * 1024
NO_GAME = "No campaign is running here."


@dataclass
class Reply:
    title: str
    text: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    clip: Path | None = None
    ephemeral: bool = False
    roll_button: bool = False  # the turn waits for this channel's player to roll
    error: bool = False


def _problem(text: str) -> Reply:
    return Reply("Not possible", text, ephemeral=True, error=True)


class RateLimiter:
    """At most ``count`` actions per ``per`` seconds for each user."""

    def __init__(self, count: int = 6, per: float = 30.0):
        self.count, self.per = count, per
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, user: str) -> bool:
        now, hits = time.monotonic(), self._hits[user]
        while hits and now - hits[0] > self.per:
            hits.popleft()
        if len(hits) >= self.count:
            return False
        hits.append(now)
        return True


@dataclass
class _Round:
    """Actions that arrived within the batching window, played together."""

    actions: list[tuple[str, str, asyncio.Future]] = field(default_factory=list)


class ChannelGames:
    def __init__(self, data_dir: Path, components: Components, *, database_url: str | None = None,
                 window: float = 1.5, recorder_factory=None, rate: RateLimiter | None = None):
        self.data_dir, self.components, self.database_url = data_dir, components, database_url
        self.window = window
        self.recorder_factory = recorder_factory  # game -> TurnRecorder, or None for no clips
        self.rate = rate or RateLimiter()
        self._sessions: dict[int, PlaySession] = {}
        self._store = None  # one store for finding channels' games; each game keeps its own
        self._rounds: dict[int, _Round] = {}
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    # --- games --------------------------------------------------------------------------

    @property
    def saves(self) -> Path:
        return self.data_dir / "saves"

    def _url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'discord.sqlite'}"

    @staticmethod
    def name(channel: int) -> str:
        return f"discord-{channel}"

    def session(self, channel: int) -> PlaySession | None:
        if channel in self._sessions:
            return self._sessions[channel]
        if self._store is None:  # opening a store runs migrations: once, not on every command
            from gm.state.store import Store
            self._store = Store(self._url())
        if not self._store.exists(self.name(channel)):
            return None
        game = Game.open(self.name(channel), self.saves, self._url(), components=self.components, player_rolls=True)
        session = PlaySession(game, self.recorder_factory(game) if self.recorder_factory else None)
        pending = game.pending()
        if pending is not None and pending["type"] == "resume":
            game.resume()  # the bot stopped mid-turn: finish it
        self._sessions[channel] = session
        return session

    def campaign_choices(self) -> list[str]:
        return sorted(shipped_campaigns())

    def start(self, channel: int, user: str, campaign: str | None = None, upload: bytes | None = None,
              filename: str = "upload.yaml") -> Reply:
        if self.session(channel) is not None:
            return _problem("A campaign is already running in this channel. `/campaign end` it first.")
        try:
            if upload is not None:
                if len(upload) > MAX_UPLOAD:
                    return _problem(f"That file is over {MAX_UPLOAD // 1024} KiB.")
                parse_campaign(upload, filename)
                path = self.data_dir / "uploads" / f"{channel}-{re.sub(r'[^a-zA-Z0-9._-]', '_', filename)}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(upload)
            else:
                path = resolve_campaign(campaign or "")
                load_campaign(path)
        except CampaignError as exc:
            lines = "\n".join(str(p) for p in exc.problems[:10])
            more = f"\n… and {len(exc.problems) - 10} more" if len(exc.problems) > 10 else ""
            return _problem(f"That campaign file has problems:\n```\n{lines}{more}\n```")
        game = Game.create(path, self.saves, name=self.name(channel), seed=channel % 100_000,
                           database_url=self._url(), owner=user, components=self.components, player_rolls=True)
        self._sessions[channel] = PlaySession(game, self.recorder_factory(game) if self.recorder_factory else None)
        world = game.world()
        pcs = ", ".join(c.name for c in world.pcs())
        return Reply(world.campaign.title, " ".join(world.campaign.summary.split()),
                     [("Join", f"`/join <character>`: play {pcs}, or a new character of your own")])

    def _can_manage(self, session: PlaySession, user: str, manager: bool) -> bool:
        return manager or session.game.store.owner(session.game.name) == user

    def end(self, channel: int, user: str, manager: bool) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        if not self._can_manage(session, user, manager):
            return _problem("Only the game's owner or someone with Manage Server can end it.")
        title = session.game.world().campaign.title
        session.close()
        session.game.store.delete_game(session.game.name)
        session.game.close()
        del self._sessions[channel]
        return Reply("Campaign ended", f"{title} is over. Thanks for playing!")

    # --- reading --------------------------------------------------------------------------

    def status(self, channel: int) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem("No campaign is running here. Start one with `/campaign start`.")
        state = session.state()
        players = session.game.store.players(session.game.name)
        text = f"At **{state['location']['name']}**, turn {state['turn']}."
        if session.game.store.paused(session.game.name):
            text += " *Paused.*"
        fields = [("Players", ", ".join(f"<@{u}> as {c}" for u, c in players.items()) or "nobody yet"),
                  ("Exits", ", ".join(f"{e['direction']} → {e['to']}" for e in state["exits"]) or "none")]
        return Reply(state["title"], text, fields + self._turn_field(session))

    def party(self, channel: int) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        lines = [f"**{c['name']}** {c['hp']}/{c['max_hp']} hp — {', '.join(c['inventory']) or 'empty-handed'}"
                 for c in session.state()["party"]]
        return Reply("Party", "\n".join(lines))

    def quests(self, channel: int) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        return Reply("Quests", "\n".join(f"**{q['title']}**: {q['goal']}" for q in session.state()["quests"]))

    def _turn_field(self, session: PlaySession) -> list[tuple[str, str]]:
        world = session.game.world()
        if world.combat is None:
            return []
        up = world.characters[world.combat.up]
        return [("Initiative", f"It is **{up.name}**'s turn.")]

    # --- playing ----------------------------------------------------------------------------

    def join(self, channel: int, user: str, display: str, character: str) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        game, world = session.game, session.game.world()
        wanted = character.strip()[:80]
        key = next((c.key for c in world.pcs() if wanted.lower() in (c.key, c.name.lower())), None)
        if key is None:
            result = session.act(f"/join {wanted}")
            if not result.ok:
                return _problem(result.narration)
            key = next(e["id"] for e in result.events if e["kind"] == "character_joined")
        try:
            game.store.add_player(game.name, user, display, key)
        except ValueError as exc:
            return _problem(str(exc))
        name = game.world().characters[key].name
        return Reply("Joined", f"{display} plays **{name}**.")

    def _character(self, session: PlaySession, user: str) -> str | None:
        return session.game.store.players(session.game.name).get(user)

    async def act(self, channel: int, user: str, text: str, clip_limit: int | None = None) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        text = " ".join(text.split())[:MAX_ACTION]
        character = self._character(session, user)
        if character is None:
            return _problem("Join first: `/join <character>`.")
        if session.game.store.paused(session.game.name):
            return _problem("The game is paused. The owner can `/resume` it.")
        if not self.rate.allow(user):
            return _problem("Slow down a little: too many actions in a short time.")
        if session.game.world().combat is not None or self.window <= 0:
            async with self._locks[channel]:
                result = await asyncio.to_thread(session.act, text, character)
            return self._turn_reply(session, result, character)
        return await self._join_round(channel, session, character, text)

    async def _join_round(self, channel: int, session: PlaySession, character: str, text: str) -> Reply:
        """Outside combat, actions arriving within the window are played together as one round."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        current = self._rounds.get(channel)
        if current is None:
            current = self._rounds[channel] = _Round()
            asyncio.get_running_loop().call_later(self.window, lambda: asyncio.ensure_future(
                self._play_round(channel, session)))
        current.actions.append((character, text, future))
        return await future

    async def _play_round(self, channel: int, session: PlaySession) -> None:
        batch = self._rounds.pop(channel, None)
        if batch is None:
            return
        async with self._locks[channel]:
            try:
                if len(batch.actions) == 1:
                    character, text, _ = batch.actions[0]
                    result = await asyncio.to_thread(session.act, text, character)
                else:
                    result = await asyncio.to_thread(session.act_round, [(c, t) for c, t, _ in batch.actions])
            except RuntimeError:  # an earlier turn waits for a roll
                for _, _, future in batch.actions:
                    future.set_result(_problem("A roll is pending: press the Roll button first."))
                return
            for i, (character, _, future) in enumerate(batch.actions):
                reply = self._turn_reply(session, result, character)
                if i:  # one turn, one clip: only the first reply of the round carries it
                    reply.clip = None
                future.set_result(reply)

    def _turn_reply(self, session: PlaySession, result: TurnResult, character: str) -> Reply:
        world = session.game.world()
        name = world.characters[character].name if character in world.characters else character
        if result.kind == "round":
            name = "The party"
        changes = [e for e in result.events if e["kind"] in ("learned", "gave", "took", "recruited", "skill_learned",
                                                             "damage", "defeated", "quest_stage", "entity_added")]
        fields = []
        if result.rolls:
            fields.append(("Rolls", "\n".join(
                f"{r['purpose']}: `{r['expr']}` = **{r['total']}**" + (f" vs DC {r['dc']}" if r['dc'] else "")
                for r in result.rolls if r["purpose"] not in ("initiative", "choose a target"))[:1000] or "—"))
        if changes:
            fields.append(("Changes", ", ".join(sorted({e["kind"].replace("_", " ") for e in changes}))))
        fields += self._turn_field(session)
        waiting = result.waiting is not None and result.waiting.get("type") == "roll"
        text = result.narration or ("Roll the dice to see what happens!" if waiting else "…")
        clip = Path(session.last_clip) if session.last_clip and result.plans else None
        return Reply(f"{name}: {result.input[:200]}", text[:4000], fields, clip=clip, roll_button=waiting,
                     error=not result.ok and not waiting)

    async def press_roll(self, channel: int, user: str) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        pending = session.game.pending()
        if pending is None or pending.get("type") != "roll":
            return _problem("There is nothing to roll for right now.")
        if pending.get("actor") != self._character(session, user):
            return _problem("That roll belongs to another player.")
        async with self._locks[channel]:
            result = await asyncio.to_thread(session.game.resume, {"rolled_by": user})
        return self._turn_reply(session, result, pending["actor"])

    def roll(self, channel: int, user: str, expression: str) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        result = session.act(f"/roll {expression[:60]}", self._character(session, user))
        return Reply("Roll", result.narration, error=not result.ok)

    def event(self, channel: int, user: str, text: str, manager: bool) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        if not self._can_manage(session, user, manager):
            return _problem("Only the game's owner (or Manage Server) can add events.")
        result = session.act(f"/event {' '.join(text.split())[:MAX_ACTION]}")
        return Reply("Something happens", result.narration, clip=Path(session.last_clip) if session.last_clip else None)

    def set_paused(self, channel: int, user: str, manager: bool, paused: bool) -> Reply:
        session = self.session(channel)
        if session is None:
            return _problem(NO_GAME)
        if not self._can_manage(session, user, manager):
            return _problem("Only the game's owner (or Manage Server) can pause or resume.")
        session.game.store.set_paused(session.game.name, paused)
        return Reply("Paused" if paused else "Resumed", "The story waits." if paused else "The story goes on.")

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
            session.game.close()
        self._sessions.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
