"""SQLAlchemy 2.x ORM models: the persistent truth of every game.

Schema changes go through Alembic (``gm/state/migrations``); a test checks that
these models and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class GameRow(Base):
    """One running instance of a campaign."""

    __tablename__ = "games"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    campaign_source: Mapped[str] = mapped_column(Text)  # the YAML, so a save plays without its file
    seed: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer, default=0)
    party_location: Mapped[str] = mapped_column(String(64))
    previous_location: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    combat: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)

    characters: Mapped[list[CharacterRow]] = relationship(cascade="all, delete-orphan")
    items: Mapped[list[ItemRow]] = relationship(cascade="all, delete-orphan")
    quests: Mapped[list[QuestRow]] = relationship(cascade="all, delete-orphan")
    entities: Mapped[list[EntityRow]] = relationship(cascade="all, delete-orphan")
    skills: Mapped[list[KnownSkillRow]] = relationship(cascade="all, delete-orphan")
    facts: Mapped[list[LearnedFactRow]] = relationship(cascade="all, delete-orphan")
    gifts: Mapped[list[GiftRow]] = relationship(cascade="all, delete-orphan")
    players: Mapped[list[PlayerRow]] = relationship(cascade="all, delete-orphan")
    conversation: Mapped[list[ConversationRow]] = relationship(cascade="all, delete-orphan",
                                                               order_by="ConversationRow.seq")


class PlayerRow(Base):
    """A person playing a character (a Discord user, or the local player)."""

    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("game_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    character: Mapped[str] = mapped_column(String(64))


class CharacterRow(Base):
    __tablename__ = "characters"
    __table_args__ = (UniqueConstraint("game_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    appearance: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hp: Mapped[int] = mapped_column(Integer)
    max_hp: Mapped[int] = mapped_column(Integer)
    stats: Mapped[dict] = mapped_column(JSON)
    defense: Mapped[int] = mapped_column(Integer)
    pose: Mapped[str] = mapped_column(String(40))
    in_party: Mapped[bool] = mapped_column(Boolean)
    disposition: Mapped[str] = mapped_column(String(20))
    attitude: Mapped[str] = mapped_column(String(20), default="neutral", server_default="neutral")


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("game_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    appearance: Mapped[str] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location: Mapped[str | None] = mapped_column(String(64), nullable=True)


class KnownSkillRow(Base):
    __tablename__ = "known_skills"

    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    character: Mapped[str] = mapped_column(String(64), primary_key=True)
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)

    @property
    def _pair(self) -> str:
        return f"{self.character}/{self.skill}"


class LearnedFactRow(Base):
    __tablename__ = "learned_facts"

    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    fact: Mapped[str] = mapped_column(String(64), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer)


class QuestRow(Base):
    __tablename__ = "quests"

    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))


class GiftRow(Base):
    __tablename__ = "gifts"

    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    giver: Mapped[str] = mapped_column(String(64), primary_key=True)
    receiver: Mapped[str] = mapped_column(String(64), primary_key=True)

    @property
    def _triple(self) -> str:
        return f"{self.item}/{self.giver}/{self.receiver}"


class ConversationRow(Base):
    """The conversation log: one row per line a character said to the party, append-only."""

    __tablename__ = "conversation_lines"
    __table_args__ = (UniqueConstraint("game_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # position in the game's log
    turn: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(64))
    listener: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64), nullable=True)
    manner: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    asked: Mapped[str | None] = mapped_column(Text, nullable=True)  # the words the line answers


class EntityRow(Base):
    """Something added during play (``/event``): it stays until the story removes it."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("game_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    appearance: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(64))
    pose: Mapped[str] = mapped_column(String(40))
    added_turn: Mapped[int] = mapped_column(Integer)


class TurnRow(Base):
    """The append-only log: one row per turn, never updated."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("game_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    input: Mapped[str] = mapped_column(Text)
    intent: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    rolls: Mapped[list] = mapped_column(JSON)
    events: Mapped[list] = mapped_column(JSON)
    narration: Mapped[str] = mapped_column(Text)
    plans: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class WaitingActionRow(Base):
    """An action waiting for its round to be played (the Discord bot's batching window).

    Kept in SQL so a round survives a restart: ``turn`` is set when the round starts
    playing, and the rows are deleted once that turn is stored and reported.
    """

    __tablename__ = "waiting_actions"

    id: Mapped[int] = mapped_column(primary_key=True)  # arrival order
    game_id: Mapped[int] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"), index=True)
    player: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    turn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
