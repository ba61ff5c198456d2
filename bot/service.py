"""Campaigns in Discord channels, independent of Discord itself.

One game per channel, stored in SQL; the cogs in :mod:`bot.cogs` turn slash
commands into calls here and :class:`Reply` values into embeds. Everything goes
through the game API (:class:`~gm.session.PlaySession` and :class:`~gm.game.Game`).

Nothing here blocks the event loop: opening a game, reading it and playing a
turn (the model, the rules, the database, rendering the clip) run in worker
threads, so a slow turn in one channel never delays another. A restart loses
nothing: games are reopened from the database on first use, a turn cut off by
a crash is finished, and actions waiting for their round are kept in SQL and
played (or their players told the round was lost) by :meth:`ChannelGames.recover`.
Several bot processes can share one database, each serving the guilds of its
shards (:class:`Shards`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from gm.campaign.loader import CampaignError, load_campaign, parse_campaign, resolve_campaign, shipped_campaigns
from gm.game import Components, Game, TurnError, TurnResult, TurnWaiting
from gm.session import PlaySession
from gm.state.store import Store, TurnRecord, WaitingAction

log = logging.getLogger(__name__)

MAX_ACTION = 300
MAX_UPLOAD = 512 * 1024
MAX_PROBLEMS = 10
NO_GAME = "No campaign is running here."
CHANGES = ("learned", "gave", "took", "recruited", "skill_learned", "damage", "defeated", "quest_stage", "entity_added")


@dataclass
class Reply:
    title: str
    text: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    clip: Path | None = None
    ephemeral: bool = False
    roll_button: bool = False  # the turn waits for this channel's player to roll
    error: bool = False
    # The players (Discord user ids) the reply itself mentions as <@id>; any other mention-like text in it,
    # from a name, a line or a campaign, is made inert when it is sent (gm.safe_text.for_discord).
    mentions: frozenset[str] = frozenset()


def _problem(text: str) -> Reply:
    return Reply("Not possible", text, ephemeral=True, error=True)


def _failed(exc: BaseException, actions=()) -> Reply:
    """A turn that raised, said in the channel (everyone waiting on it should know). The game undoes a failed
    turn itself (TurnFailed); anything raised after the turn was stored (its video) leaves the turn stored."""
    if isinstance(exc, TurnWaiting):
        return _problem("A roll is pending: press the Roll button first.")
    if isinstance(exc, TurnError):
        return Reply("That turn failed", f"{str(exc)[:500]}\nTry again, or differently.", error=True)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return Reply("That turn failed", f"Something went wrong after the turn was played.\n`{detail}`", error=True)


LOST = "The round was lost"


def _lost(exc: BaseException, actions: list[WaitingAction]) -> Reply:
    """What players are told when the round they waited in could not be played after a restart."""
    lost = "\n".join(f"<@{a.player}>: {a.text}" for a in actions)[:1500]
    return Reply(LOST, "The bot restarted while these actions waited for their round, and the round could not be "
                 f"played ({type(exc).__name__}). Please act again:\n{lost}", error=True,
                 mentions=frozenset(a.player for a in actions))


class Place(NamedTuple):
    """Where a game is played: a channel of a guild (guild 0 for direct messages)."""

    guild: int
    channel: int


@dataclass(frozen=True)
class Shards:
    """The guilds this process serves: Discord's rule, shard = (guild_id >> 22) % shard_count."""

    ids: tuple[int, ...] | None = None  # None: every shard
    count: int = 1

    def owns(self, guild: int) -> bool:
        return self.ids is None or self.count <= 1 or (guild >> 22) % self.count in self.ids


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


GAME_NAME = re.compile(r"discord-(?P<guild>\d+)-(?P<channel>\d+)")


def database_url(data_dir: Path, url: str | None) -> str:
    """Where the bot's games live: the configured database, else one SQLite file in the bot's data folder."""
    if url:
        return url
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'discord.sqlite'}"


def served_games(store: Store, shards: Shards) -> list[str]:
    """The names of the channel games on these shards."""
    return [g.name for g in store.games() if (m := GAME_NAME.fullmatch(g.name)) and shards.owns(int(m["guild"]))]


class ChannelGames:
    def __init__(self, data_dir: Path, components: Components, *, database_url: str | None = None,
                 window: float = 1.5, recorder_factory=None, rate: RateLimiter | None = None,
                 shards: Shards = Shards()):
        self.data_dir, self.components, self.database_url = data_dir, components, database_url
        self.window = window
        self.recorder_factory = recorder_factory  # game -> GameVideo (gm.runtime.open_recorder), or None for no clips
        self.rate = rate or RateLimiter()
        self.shards = shards
        self._sessions: dict[int, PlaySession] = {}
        self._store: Store | None = None  # one store for finding channels' games; each game keeps its own
        self._opening: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)  # opening a channel's game
        self._turns: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)  # one turn at a time per channel
        self._rounds: dict[int, dict[int, asyncio.Future]] = {}  # channel -> waiting action id -> its reply
        self._timers: dict[int, asyncio.TimerHandle] = {}  # channel -> the end of its round window

    # --- games --------------------------------------------------------------------------

    @property
    def saves(self) -> Path:
        return self.data_dir / "saves"

    def _url(self) -> str:
        return database_url(self.data_dir, self.database_url)

    def _finder(self) -> Store:
        if self._store is None:  # opening a store runs migrations: once, not on every command
            self._store = Store(self._url())
        return self._store

    @staticmethod
    def name(place: Place) -> str:
        return f"discord-{place.guild}-{place.channel}"

    def _stored_name(self, place: Place) -> str | None:
        store = self._finder()
        for name in (self.name(place), f"discord-{place.channel}"):  # the second: saves from before sharding
            if store.exists(name):
                return name
        return None

    def _new_session(self, game: Game) -> PlaySession:
        return PlaySession(game, self.recorder_factory(game) if self.recorder_factory else None)

    def _open_sync(self, place: Place) -> PlaySession | None:
        name = self._stored_name(place)
        if name is None:
            return None
        # opening never plays: an unfinished turn is finished by the next turn or by recover(), so that
        # /campaign status and /campaign end work whatever state the game is in
        game = Game.open(name, self.saves, self._url(), components=self.components, player_rolls=True)
        return self._new_session(game)

    async def session(self, place: Place) -> PlaySession | None:
        if place.channel in self._sessions:
            return self._sessions[place.channel]
        async with self._opening[place.channel]:
            if place.channel not in self._sessions:
                session = await asyncio.to_thread(self._open_sync, place)
                if session is None:
                    return None
                self._sessions[place.channel] = session
            return self._sessions[place.channel]

    def campaign_choices(self) -> list[str]:
        return sorted(shipped_campaigns())

    def _start_sync(self, place: Place, user: str, campaign: str | None, upload: bytes | None,
                    filename: str) -> Reply:
        try:
            if upload is not None:
                if len(upload) > MAX_UPLOAD:
                    return _problem(f"That file is over {MAX_UPLOAD // 1024} KiB.")
                parse_campaign(upload, filename)  # the same checks as `worldkeeper campaign validate`
                path = self.data_dir / "uploads" / f"{place.channel}-{re.sub(r'[^a-zA-Z0-9._-]', '_', filename)}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(upload)
            else:
                path = resolve_campaign(campaign or "")
                load_campaign(path)
        except CampaignError as exc:
            lines = "\n".join(str(p) for p in exc.problems[:MAX_PROBLEMS])
            more = f"\n… and {len(exc.problems) - MAX_PROBLEMS} more" if len(exc.problems) > MAX_PROBLEMS else ""
            # said in the channel, not only to the uploader: whoever helps fix the file sees where it is wrong
            return Reply("That campaign file has problems", f"```\n{lines[:3500]}{more}\n```", error=True)
        game = Game.create(path, self.saves, name=self.name(place), seed=place.channel % 100_000,
                           database_url=self._url(), owner=user, components=self.components, player_rolls=True)
        self._sessions[place.channel] = self._new_session(game)
        world = game.world()
        pcs = ", ".join(c.name for c in world.pcs())
        # the opening sets the scene: the story's premise, then where it starts and who is there
        return Reply(world.campaign.title, " ".join(world.campaign.summary.split()) + "\n\n" + game.opening_scene(),
                     [("Join", f"`/join <character>`: play {pcs}, or a new character of your own")])

    async def start(self, place: Place, user: str, campaign: str | None = None, upload: bytes | None = None,
                    filename: str = "upload.yaml") -> Reply:
        if not self.shards.owns(place.guild):
            return _problem("This server is served by another shard of the bot.")
        async with self._opening[place.channel]:
            if place.channel in self._sessions or await asyncio.to_thread(self._stored_name, place):
                return _problem("A campaign is already running in this channel. `/campaign end` it first.")
            return await asyncio.to_thread(self._start_sync, place, user, campaign, upload, filename)

    @staticmethod
    def _can_manage(session: PlaySession, user: str, manager: bool) -> bool:
        return manager or session.game.owner() == user

    async def end(self, place: Place, user: str, manager: bool) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        if not await asyncio.to_thread(self._can_manage, session, user, manager):
            return _problem("Only the game's owner or someone with Manage Server can end it.")
        async with self._turns[place.channel]:
            title = await asyncio.to_thread(lambda: session.game.world().campaign.title)
            await asyncio.to_thread(self._end_sync, session)
            self._sessions.pop(place.channel, None)
        if (timer := self._timers.pop(place.channel, None)) is not None:
            timer.cancel()
        for future in self._rounds.pop(place.channel, {}).values():
            if not future.done():
                future.set_result(_problem("The campaign was ended before this round was played."))
        return Reply("Campaign ended", f"{title} is over. Thanks for playing!")

    @staticmethod
    def _end_sync(session: PlaySession) -> None:
        session.close()
        session.game.delete()  # and closes it

    # --- reading --------------------------------------------------------------------------

    async def status(self, place: Place) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem("No campaign is running here. Start one with `/campaign start`.")
        return await asyncio.to_thread(self._status_sync, session)

    def _status_sync(self, session: PlaySession) -> Reply:
        game = session.game
        state = session.state()
        text = f"At **{state['location']['name']}**, turn {state['turn']}."
        if game.paused():
            text += " *Paused.*"
        pending = game.pending()
        if pending is not None and pending.get("type") == "roll":
            text += " Waiting for a roll: press the Roll button."
        elif pending is not None:
            text += " A turn was cut off by a restart; it is finished before the next one."
        players = game.players()
        fields = [("Players", ", ".join(f"<@{u}> as {c}" for u, c in players.items()) or "nobody yet"),
                  ("Exits", ", ".join(f"{e['direction']} → {e['to']}" for e in state["exits"]) or "none")]
        return Reply(state["title"], text, fields + self._turn_field(game), mentions=frozenset(players))

    async def party(self, place: Place) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        party = (await asyncio.to_thread(session.state))["party"]
        return Reply("Party", "\n".join(
            f"**{c['name']}** {c['hp']}/{c['max_hp']} hp — {', '.join(c['inventory']) or 'empty-handed'}"
            for c in party))

    async def quests(self, place: Place) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        quests = (await asyncio.to_thread(session.state))["quests"]
        return Reply("Quests", "\n".join(f"**{q['title']}**: {q['goal']}" for q in quests))

    @staticmethod
    def _turn_field(game: Game) -> list[tuple[str, str]]:
        world = game.world()
        if world.combat is None:
            return []
        up = world.characters[world.combat.up]
        return [("Initiative", f"It is **{up.name}**'s turn.")]

    # --- playing ----------------------------------------------------------------------------

    async def join(self, place: Place, user: str, display: str, character: str) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        async with self._turns[place.channel]:  # joining with a new character plays a turn
            return await asyncio.to_thread(self._join_sync, session, user, display, character)

    def _join_sync(self, session: PlaySession, user: str, display: str, character: str) -> Reply:
        game = session.game
        world = game.world()
        wanted = character.strip()[:80]
        key = next((c.key for c in world.pcs() if wanted.lower() in (c.key, c.name.lower())), None)
        if key is None:
            try:
                result = session.act(f"/join {wanted}")
            except Exception as exc:
                log.exception("joining %r failed", wanted)
                return _failed(exc)
            if not result.ok:
                return _problem(result.narration)
            key = next(e["id"] for e in result.events if e["kind"] == "character_joined")
        try:
            game.add_player(user, display, key)
        except ValueError as exc:
            return _problem(str(exc))
        return Reply("Joined", f"{display} plays **{game.world().characters[key].name}**.")

    async def act(self, place: Place, user: str, text: str) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        text = " ".join(text.split())[:MAX_ACTION]
        game = session.game
        character, paused, in_combat = await asyncio.to_thread(
            lambda: (game.players().get(user), game.paused(), game.world().combat is not None))
        if character is None:
            return _problem("Join first: `/join <character>`.")
        if paused:
            return _problem("The game is paused. The owner can `/resume` it.")
        if not self.rate.allow(user):
            return _problem("Slow down a little: too many actions in a short time.")
        if in_combat or self.window <= 0:
            return await self._play(place, session, character, session.act, text, character)
        return await self._join_round(place, session, user, character, text)

    async def _play(self, place: Place, session: PlaySession, character: str, play, *args) -> Reply:
        """Play one turn off the event loop; a turn that raises (undone by the game) is said in the channel."""
        async with self._turns[place.channel]:
            try:
                result = await asyncio.to_thread(play, *args)
            except Exception as exc:
                log.log(logging.INFO if isinstance(exc, TurnWaiting) else logging.ERROR,
                        "a turn was not played in channel %s", place.channel, exc_info=True)
                return _failed(exc)
            if result is None:
                return _problem("There is nothing to roll for right now.")
            return await asyncio.to_thread(self._turn_reply, session, result, character)

    async def _join_round(self, place: Place, session: PlaySession, user: str, character: str, text: str) -> Reply:
        """Outside combat, actions arriving within the window are played together as one round.

        Each action is stored before it waits, so a restart during the window loses none (see recover)."""
        mine = await asyncio.to_thread(session.game.add_waiting_action, user, character, text)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        if place.channel not in self._rounds:
            self._rounds[place.channel] = {}
            self._timers[place.channel] = asyncio.get_running_loop().call_later(
                self.window, lambda: asyncio.ensure_future(self._play_round(place, session)))
        self._rounds[place.channel][mine] = future
        return await future

    async def _play_round(self, place: Place, session: PlaySession) -> None:
        self._timers.pop(place.channel, None)
        futures = self._rounds.pop(place.channel, {})
        if not futures:
            return
        async with self._turns[place.channel]:
            # only this window's actions: one arriving meanwhile waits for its own round
            replies = await asyncio.to_thread(lambda: self._round_sync(
                session, [a for a in session.game.waiting_actions() if a.id in futures]))
        for action_id, future in futures.items():
            if not future.done():
                future.set_result(replies.get(action_id) or _problem("That action was not played; try again."))

    def _round_sync(self, session: PlaySession, actions: list[WaitingAction], failed=_failed) -> dict[int, Reply]:
        """Play these waiting actions as one turn; a reply for each action, by its id. A round that raises
        is undone and every action gets ``failed(exception, actions)``."""
        game = session.game
        if not actions:
            return {}
        try:
            session.recover()  # a turn cut off by a crash comes first: then this round's number is known
            game.start_round(actions, game.world().turn + 1)
            if len(actions) == 1:
                result = session.act(actions[0].text, actions[0].actor)
            else:
                result = session.act_round([(a.actor, a.text) for a in actions])
        except Exception as exc:
            log.exception("a round failed")
            game.clear_waiting_actions(actions)
            reply = failed(exc, actions)
            return {a.id: reply for a in actions}
        game.clear_waiting_actions(actions)
        replies = {}
        for i, action in enumerate(actions):
            reply = self._turn_reply(session, result, action.actor)
            if i:  # one turn, one clip: only the first reply of the round carries it
                reply.clip = None
            replies[action.id] = reply
        return replies

    def _turn_reply(self, session: PlaySession, result: TurnResult, character: str) -> Reply:
        world = session.game.world()
        name = world.characters[character].name if character in world.characters else character
        if result.kind == "round":
            name = "The party"
        fields = []
        if result.rolls:
            fields.append(("Rolls", "\n".join(
                f"{r['purpose']}: `{r['expr']}` = **{r['total']}**" + (f" vs DC {r['dc']}" if r['dc'] else "")
                for r in result.rolls if r["purpose"] not in ("initiative", "choose a target"))[:1000] or "—"))
        changes = sorted({e["kind"].replace("_", " ") for e in result.events if e["kind"] in CHANGES})
        if changes:
            fields.append(("Changes", ", ".join(changes)))
        fields += self._turn_field(session.game)
        if result.recovered is not None:  # a turn a stopped bot left unfinished was finished first
            fields.insert(0, (f"Finished after a restart: {result.recovered.input[:200]}",
                              result.recovered.narration[:1000] or "…"))
        waiting = result.waiting is not None and result.waiting.get("type") == "roll"
        text = result.narration or ("Roll the dice to see what happens!" if waiting else "…")
        clip = Path(result.clip) if result.clip and not waiting else None
        return Reply(f"{name}: {result.input[:200]}", text[:4000], fields, clip=clip, roll_button=waiting,
                     error=not result.ok and not waiting)

    async def press_roll(self, place: Place, user: str) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        pending, players = await asyncio.to_thread(lambda: (session.game.pending(), session.game.players()))
        if pending is None or pending.get("type") != "roll":
            return _problem("There is nothing to roll for right now.")
        if pending.get("actor") != players.get(user):
            return _problem("That roll belongs to another player.")
        # through the session, so the rolled turn is recorded and its own clip attached
        return await self._play(place, session, pending["actor"], session.resume, {"rolled_by": user})

    async def roll(self, place: Place, user: str, expression: str) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        character = await asyncio.to_thread(lambda: session.game.players().get(user))
        reply = await self._play(place, session, character or "", session.act, f"/roll {expression[:60]}", character)
        return reply if reply.error else Reply("Roll", reply.text)

    async def event(self, place: Place, user: str, text: str, manager: bool) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        if not await asyncio.to_thread(self._can_manage, session, user, manager):
            return _problem("Only the game's owner (or Manage Server) can add events.")
        reply = await self._play(place, session, "", session.act, f"/event {' '.join(text.split())[:MAX_ACTION]}")
        return reply if reply.error else Reply("Something happens", reply.text, clip=reply.clip)

    async def set_paused(self, place: Place, user: str, manager: bool, paused: bool) -> Reply:
        session = await self.session(place)
        if session is None:
            return _problem(NO_GAME)
        if not await asyncio.to_thread(self._can_manage, session, user, manager):
            return _problem("Only the game's owner (or Manage Server) can pause or resume.")
        await asyncio.to_thread(session.game.set_paused, paused)
        return Reply("Paused" if paused else "Resumed", "The story waits." if paused else "The story goes on.")

    # --- after a restart ----------------------------------------------------------------------

    async def recover(self) -> list[tuple[Place, Reply]]:
        """Finish what a stopped process left in this process's channels: rounds waiting in SQL are played
        (or their players told the round was lost). Returns what to post in each channel."""
        names = await asyncio.to_thread(lambda: set(self._finder().games_with_waiting_actions())
                                        & set(served_games(self._finder(), self.shards)))
        posts = []
        for name in sorted(names):
            match = GAME_NAME.fullmatch(name)
            place = Place(int(match["guild"]), int(match["channel"]))
            if place.channel in self._rounds:
                continue
            session = await self.session(place)
            if session is None:
                continue
            async with self._turns[place.channel]:
                replies = await asyncio.to_thread(self._recover_round, session)
            posts += [(place, reply) for reply in replies]
        return posts

    def _recover_round(self, session: PlaySession) -> list[Reply]:
        game = session.game
        actions = game.waiting_actions()
        started = [a for a in actions if a.turn is not None]
        fresh = [a for a in actions if a.turn is None]
        replies = []
        try:
            if started and game.world().turn >= started[0].turn:
                # the round's turn was stored just before the stop, but never reported: report it now
                replies.append(self._record_reply(game.log(since=started[0].turn - 1)[0]))
                game.clear_waiting_actions(started)
            elif started:
                crashed = session.recover()  # cut off mid-turn: finish it from its checkpoint
                if crashed is None:  # stopped before its first checkpoint: play it again
                    fresh = started + fresh
                else:
                    replies.append(self._turn_reply(session, crashed, started[0].actor))
                    game.clear_waiting_actions(started)
            if fresh:
                replies.append(next(iter(self._round_sync(session, fresh, failed=_lost).values())))
        except Exception as exc:
            log.exception("recovering a round failed")
            game.clear_waiting_actions(actions)
            return replies + [_lost(exc, actions)]
        if any(r.title == LOST for r in replies):
            return replies
        who = ", ".join(sorted({f"<@{a.player}>" for a in actions}))
        for reply in replies:
            reply.text = f"Played after a restart, for {who}.\n{reply.text}"[:4000]
            reply.mentions |= {a.player for a in actions}
        return replies

    @staticmethod
    def _record_reply(record: TurnRecord) -> Reply:
        return Reply(f"Turn {record.number}: {record.input[:200]}", record.narration[:4000] or "…",
                     error=not record.ok)

    def close(self) -> None:
        """Stop: rounds still in their window stay stored and are played by the next start (recover)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for futures in self._rounds.values():
            for future in futures.values():
                if not future.done():
                    future.set_result(Reply("The bot is restarting", "Your action is kept: it is played as soon "
                                            "as the bot is back."))
        self._rounds.clear()
        for session in self._sessions.values():
            session.close()
            session.game.close()
        self._sessions.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
