"""The store: worlds in and out of SQL, one transaction per turn.

``Store.commit_turn`` writes a turn's resulting state and appends its log row
in a single transaction, guarded by the turn number, so a turn is either
stored whole or not at all, and two writers can never both store turn N.
``Store.turn_lock`` serializes whole turns of one game across processes (read,
decide, commit), so a second process waits for the first instead of deciding
a turn on a world that is about to change.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from gm.campaign.loader import CampaignError, parse_stored_campaign
from gm.campaign.schema import Campaign, CharacterKind
from gm.state.db import make_engine
from gm.state.models import (
    CharacterRow, ConversationRow, EntityRow, GameRow, GiftRow, ItemRow, KnownSkillRow, LearnedFactRow, PlayerRow,
    QuestRow, TurnRow, WaitingActionRow,
)
from gm.state.world import CharacterState, CombatState, EntityState, Exchange, ItemState, QuestState, World

MAX_SEED = 2**31 - 1


class GameNotFound(LookupError):
    pass


class TurnConflict(RuntimeError):
    """Another writer stored this turn first; reload and try again."""


class SaveBusy(RuntimeError):
    """Another process kept the game's turn lock for longer than we were willing to wait."""


# how long a turn waits for another process's turn on the same game before giving up with SaveBusy
TURN_LOCK_WAIT = 120.0


@dataclass
class TurnRecord:
    number: int
    input: str
    ok: bool
    narration: str = ""
    actor: str | None = None
    intent: dict | None = None
    rolls: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class WaitingAction:
    """A player's action waiting for its round; ``turn`` is set once the round is being played."""

    id: int
    player: str
    actor: str
    text: str
    turn: int | None = None


@dataclass(frozen=True)
class GameSummary:
    name: str
    campaign_id: str
    title: str
    turn: int
    status: str
    location: str
    updated_at: datetime


@lru_cache(maxsize=32)  # once per process and save: a turn reads the world often, and any warning is said once
def _campaign(source: str, where: str) -> Campaign:
    return parse_stored_campaign(source, where)


def _stored_campaign(session: Session, game: GameRow) -> Campaign:
    """A game's campaign as stored when it began; warnings and errors name the save's file and game."""
    url = session.get_bind().url
    place = url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
    return _campaign(game.campaign_source, f"{place} (game {game.name!r}, its stored campaign)")


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._cache: dict[str, World] = {}

    def close(self) -> None:
        self.engine.dispose()

    # --- games ---------------------------------------------------------------

    def create_game(self, campaign: Campaign, source: str, name: str, seed: int = 0,
                    owner: str | None = None) -> World:
        world = World.new(campaign, seed % MAX_SEED)
        with self._sessions.begin() as session:
            if session.scalar(select(GameRow.id).where(GameRow.name == name)) is not None:
                raise ValueError(f"a game named {name!r} already exists")
            game = GameRow(name=name, campaign_id=campaign.id, campaign_source=source, seed=world.seed, turn=0,
                           party_location=world.party_location, status="active", owner=owner)
            session.add(game)
            _write_world(session, game, world)
        self._cache.pop(name, None)  # a game of this name deleted through another store: read the new one
        return world

    def exists(self, name: str) -> bool:
        with self._sessions() as session:
            return session.scalar(select(GameRow.id).where(GameRow.name == name)) is not None

    def games(self) -> list[GameSummary]:
        with self._sessions() as session:
            rows = session.scalars(select(GameRow).order_by(GameRow.updated_at.desc())).all()
            return [GameSummary(g.name, g.campaign_id, _title(session, g), g.turn, g.status,
                                g.party_location, g.updated_at) for g in rows]

    def delete_game(self, name: str) -> None:
        with self._sessions.begin() as session:
            game = _game(session, name)
            session.execute(delete(TurnRow).where(TurnRow.game_id == game.id))
            session.delete(game)
        self._cache.pop(name, None)

    def owner(self, name: str) -> str | None:
        with self._sessions() as session:
            return _game(session, name).owner

    def paused(self, name: str) -> bool:
        with self._sessions() as session:
            return _game(session, name).paused

    def set_paused(self, name: str, paused: bool) -> None:
        with self._sessions.begin() as session:
            _game(session, name).paused = paused

    def turn(self, name: str) -> int:
        """The number of the last stored turn."""
        with self._sessions() as session:
            turn = session.scalar(select(GameRow.turn).where(GameRow.name == name))
            if turn is None:
                raise GameNotFound(f"no saved game named {name!r}")
            return turn

    @contextmanager
    def turn_lock(self, name: str, wait: float = TURN_LOCK_WAIT) -> Iterator[None]:
        """Hold game ``name`` for one turn: other processes' turns on it wait until this one is done.

        On PostgreSQL, a transaction-scoped advisory lock (``pg_advisory_xact_lock``) on the game, held
        by a transaction that lives as long as the turn; on SQLite, an OS file lock beside the database
        (per game, so the bot's games in one file don't wait for each other). Either is released by the
        database or the OS when the process dies, so a killed turn never leaves its game locked.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn, conn.begin():
                conn.execute(text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
                try:
                    conn.execute(select(func.pg_advisory_xact_lock(_lock_key(name))))
                except OperationalError as exc:  # lock_timeout
                    raise SaveBusy(_busy(name, wait)) from exc
                yield
        elif self.engine.url.database in (None, "", ":memory:"):
            yield  # an in-memory database lives in this process alone: Game's own lock is enough
        else:
            database = Path(self.engine.url.database)
            lock = FileLock(database.parent / f".{database.name}.{name}.lock", timeout=wait)
            try:
                lock.acquire()
            except Timeout as exc:
                raise SaveBusy(_busy(name, wait)) from exc
            try:
                yield
            finally:
                lock.release()

    def load(self, name: str) -> World:
        """The stored world. Cached per (game, turn): callers get a copy they may change."""
        with self._sessions() as session:
            turn = session.scalar(select(GameRow.turn).where(GameRow.name == name))
            if turn is None:
                raise GameNotFound(f"no saved game named {name!r}")
            cached = self._cache.get(name)
            if cached is None or cached.turn != turn:
                game = session.scalar(select(GameRow).where(GameRow.name == name).options(
                    selectinload(GameRow.characters), selectinload(GameRow.items), selectinload(GameRow.quests),
                    selectinload(GameRow.entities), selectinload(GameRow.skills), selectinload(GameRow.facts),
                    selectinload(GameRow.gifts), selectinload(GameRow.conversation)))
                cached = self._cache[name] = _read_world(session, game)
            return cached.copy()

    # --- turns -----------------------------------------------------------------

    def commit_turn(self, name: str, world: World, record: TurnRecord) -> None:
        """Store the world after a turn and append the turn's log row, atomically."""
        try:
            with self._sessions.begin() as session:
                game = session.scalar(select(GameRow).where(GameRow.name == name).with_for_update())
                if game is None:
                    raise GameNotFound(name)
                if game.turn != record.number - 1:
                    raise TurnConflict(f"turn {record.number} of {name!r}: the game is at turn {game.turn}")
                world.turn = record.number
                _write_world(session, game, world)
                session.add(TurnRow(game_id=game.id, number=record.number, actor=record.actor, input=record.input,
                                    intent=record.intent, ok=record.ok, rolls=record.rolls, events=record.events,
                                    narration=record.narration, plans=record.plans))
        except IntegrityError as exc:
            raise TurnConflict(f"turn {record.number} of {name!r} was stored by another writer") from exc
        self._remember(name, world)

    def _remember(self, name: str, world: World) -> None:
        """Keep the world just stored as the one ``load`` hands out at its turn, so the next turn does not read
        the whole game back (its conversation log grows with the campaign). What SQL does not keep is left out,
        so it equals what any other process reads."""
        stored = world.copy()
        stored.referents = []
        self._cache[name] = stored

    def turns(self, name: str, since: int = 0) -> list[TurnRecord]:
        with self._sessions() as session:
            game = _game(session, name)
            rows = session.scalars(select(TurnRow).where(TurnRow.game_id == game.id, TurnRow.number > since)
                                   .order_by(TurnRow.number)).all()
            return [TurnRecord(r.number, r.input, r.ok, r.narration, r.actor, r.intent, r.rolls, r.events, r.plans)
                    for r in rows]

    def last_plan(self, name: str) -> dict | None:
        """The last segment plan shown, so the next turn's video continues from it."""
        with self._sessions() as session:
            game = _game(session, name)
            rows = session.scalars(select(TurnRow.plans).where(TurnRow.game_id == game.id)
                                   .order_by(TurnRow.number.desc()).limit(8)).all()
            return next((plans[-1] for plans in rows if plans), None)

    # --- players ---------------------------------------------------------------

    def add_player(self, name: str, external_id: str, display_name: str, character: str) -> None:
        with self._sessions.begin() as session:
            game = _game(session, name)
            taken = session.scalar(select(PlayerRow).where(PlayerRow.game_id == game.id,
                                                            PlayerRow.character == character))
            if taken is not None and taken.external_id != external_id:
                raise ValueError(f"{character} is already played by {taken.display_name}")
            row = session.scalar(select(PlayerRow).where(PlayerRow.game_id == game.id,
                                                          PlayerRow.external_id == external_id))
            if row is None:
                session.add(PlayerRow(game_id=game.id, external_id=external_id, display_name=display_name,
                                      character=character))
            else:
                row.character, row.display_name = character, display_name

    def players(self, name: str) -> dict[str, str]:
        """external id -> character key"""
        with self._sessions() as session:
            game = _game(session, name)
            return {p.external_id: p.character for p in session.scalars(
                select(PlayerRow).where(PlayerRow.game_id == game.id))}

    # --- actions waiting for their round ------------------------------------------

    def add_waiting_action(self, name: str, player: str, actor: str, text: str) -> int:
        """Store an action until its round is played; returns its id (ids grow in arrival order)."""
        with self._sessions.begin() as session:
            row = WaitingActionRow(game_id=_game(session, name).id, player=player, actor=actor, text=text)
            session.add(row)
            session.flush()
            return row.id

    def waiting_actions(self, name: str) -> list[WaitingAction]:
        """In arrival order."""
        with self._sessions() as session:
            game = _game(session, name)
            rows = session.scalars(select(WaitingActionRow).where(WaitingActionRow.game_id == game.id)
                                   .order_by(WaitingActionRow.id)).all()
            return [WaitingAction(r.id, r.player, r.actor, r.text, r.turn) for r in rows]

    def start_round(self, name: str, ids: list[int], turn: int) -> None:
        """Mark these waiting actions as being played as ``turn``."""
        with self._sessions.begin() as session:
            session.execute(update(WaitingActionRow).where(WaitingActionRow.id.in_(ids)).values(turn=turn))

    def clear_waiting_actions(self, name: str, ids: list[int]) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(WaitingActionRow).where(WaitingActionRow.id.in_(ids)))

    def games_with_waiting_actions(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(GameRow.name).where(
                GameRow.id.in_(select(WaitingActionRow.game_id).distinct())).order_by(GameRow.name)))


def _lock_key(name: str) -> int:
    """A stable 32-bit advisory-lock key for a game (crc32 is the same in every process, unlike hash())."""
    return zlib.crc32(f"worldkeeper-turn:{name}".encode())


def _busy(name: str, wait: float) -> str:
    return f"{name!r} is busy: another process has been playing a turn on it for over {wait:.0f} s; try again"


def _game(session: Session, name: str) -> GameRow:
    game = session.scalar(select(GameRow).where(GameRow.name == name))
    if game is None:
        raise GameNotFound(f"no saved game named {name!r}")
    return game


def _title(session: Session, game: GameRow) -> str:
    """The campaign's title for a list of saves; a save whose campaign cannot be read is still listed."""
    try:
        return _stored_campaign(session, game).title
    except CampaignError:
        return game.campaign_id


def _read_world(session: Session, game: GameRow) -> World:
    world = World(campaign=_stored_campaign(session, game), seed=game.seed, turn=game.turn,
                  party_location=game.party_location, previous_location=game.previous_location, status=game.status)
    for c in game.characters:
        world.characters[c.key] = CharacterState(
            key=c.key, kind=CharacterKind(c.kind), name=c.name, appearance=c.appearance, location=c.location,
            hp=c.hp, max_hp=c.max_hp, stats=dict(c.stats), defense=c.defense, pose=c.pose, in_party=c.in_party,
            disposition=c.disposition, attitude=c.attitude)
    world.items = {i.key: ItemState(i.key, i.name, i.appearance, i.holder, i.location) for i in game.items}
    world.skills = {(s.character, s.skill) for s in game.skills}
    world.facts = {f.fact: f.turn for f in game.facts}
    world.quests = {q.key: QuestState(q.key, q.stage, q.status) for q in game.quests}
    world.gifts = {(g.item, g.giver, g.receiver) for g in game.gifts}
    world.entities = {e.key: EntityState(e.key, e.name, e.appearance, e.location, e.pose, e.added_turn)
                      for e in game.entities}
    world.conversation = [Exchange(x.turn, x.speaker, x.listener, x.topic, x.manner, x.text, x.asked)
                           for x in game.conversation]
    if game.combat:
        world.combat = CombatState(**game.combat)
    return world


def _sync(rows: list, wanted: dict[str, dict], make, key_attr: str = "key") -> None:
    """Update ``rows`` in place to match ``wanted`` (key -> column values): add, change, remove."""
    by_key = {getattr(r, key_attr): r for r in rows}
    for key, values in wanted.items():
        row = by_key.pop(key, None)
        if row is None:
            rows.append(make(**values))
        else:
            for column, value in values.items():
                if getattr(row, column) != value:
                    setattr(row, column, value)
    for row in by_key.values():
        rows.remove(row)


def _write_world(session: Session, game: GameRow, world: World) -> None:
    game.turn, game.party_location, game.previous_location = world.turn, world.party_location, world.previous_location
    game.status = world.status
    c = world.combat
    game.combat = {"location": c.location, "order": c.order, "current": c.current, "round": c.round} if c else None
    _sync(game.characters, {k: dict(key=k, kind=c.kind.value, name=c.name, appearance=c.appearance,
                                     location=c.location, hp=c.hp, max_hp=c.max_hp, stats=c.stats, defense=c.defense,
                                     pose=c.pose, in_party=c.in_party, disposition=c.disposition,
                                     attitude=c.attitude)
                            for k, c in world.characters.items()}, CharacterRow)
    _sync(game.items, {k: dict(key=k, name=i.name, appearance=i.appearance, holder=i.holder, location=i.location)
                       for k, i in world.items.items()}, ItemRow)
    _sync(game.quests, {k: dict(key=k, stage=q.stage, status=q.status) for k, q in world.quests.items()}, QuestRow)
    _sync(game.entities, {k: dict(key=k, name=e.name, appearance=e.appearance, location=e.location, pose=e.pose,
                                  added_turn=e.added_turn) for k, e in world.entities.items()}, EntityRow)
    _sync(game.skills, {f"{ch}/{sk}": dict(character=ch, skill=sk) for ch, sk in world.skills}, KnownSkillRow,
          key_attr="_pair")
    _sync(game.facts, {f: dict(fact=f, turn=t) for f, t in world.facts.items()}, LearnedFactRow, key_attr="fact")
    _sync(game.gifts, {"/".join(g): dict(item=g[0], giver=g[1], receiver=g[2]) for g in world.gifts}, GiftRow,
          key_attr="_triple")
    # the log only grows: append the new lines without loading the stored ones (a turn's write must not cost
    # more the longer the campaign has talked)
    if game.id is None:
        session.flush()  # a new game: its id, for the lines' rows
    last = session.scalar(select(func.max(ConversationRow.seq)).where(ConversationRow.game_id == game.id))
    for seq in range(0 if last is None else last + 1, len(world.conversation)):
        x = world.conversation[seq]
        session.add(ConversationRow(game_id=game.id, seq=seq, turn=x.turn, speaker=x.speaker, listener=x.listener,
                                    topic=x.topic, manner=x.manner, text=x.text, asked=x.asked))
