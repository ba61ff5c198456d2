"""The world state of one game, in memory, and the one reducer that changes it.

A :class:`World` is loaded from SQL by :mod:`gm.state.store`, changed only by
:meth:`World.apply` with events from the rules engine, and written back by the
store in one transaction per turn.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from gm import events as ev
from gm.campaign.schema import Campaign, Character, CharacterKind, Feature

def marker(kind: str, location: str, key: str) -> str:
    """The key under which something revealed in play is kept among the learned facts (no fact id has a ':')."""
    text = f"{kind}:{location}:{key}"
    if len(text) <= 64:  # the facts column's width
        return text
    import hashlib
    return f"{kind}:{hashlib.blake2s(text.encode(), digest_size=12).hexdigest()}"


DEFAULT_HP = {CharacterKind.pc: 10, CharacterKind.companion: 6, CharacterKind.npc: 8, CharacterKind.monster: 10}


@dataclass
class CharacterState:
    key: str
    kind: CharacterKind
    name: str
    appearance: str
    location: str | None
    hp: int
    max_hp: int
    stats: dict[str, int]
    defense: int
    pose: str = "standing"
    in_party: bool = False
    disposition: str = "neutral"  # the side it takes in a fight: friendly, neutral, hostile
    attitude: str = "neutral"  # how it feels about the party: hostile, wary, neutral, friendly (ATTITUDES)

    @property
    def alive(self) -> bool:
        return self.hp > 0

    def stat(self, name: str) -> int:
        return self.stats.get(name, 0)


@dataclass
class ItemState:
    key: str
    name: str
    appearance: str
    holder: str | None = None  # a character key
    location: str | None = None  # a location key, when lying somewhere


@dataclass
class QuestState:
    key: str
    stage: int = 0
    status: str = "active"  # active, completed


@dataclass
class EntityState:
    """Something added during play (a director event): it stays until the story removes it."""

    key: str
    name: str
    appearance: str
    location: str
    pose: str = "standing"
    added_turn: int = 0


@dataclass
class CombatState:
    location: str
    order: list[str]
    current: int = 0
    round: int = 1

    @property
    def up(self) -> str:
        return self.order[self.current]


@dataclass(frozen=True)
class Exchange:
    """One line of the conversation log: what a character said to whom, about what."""

    turn: int
    speaker: str
    listener: str
    topic: str | None
    manner: str
    text: str
    asked: str | None = None  # the words it answered


def initial_attitude(spec: Character, in_party: bool) -> str:
    if spec.attitude is not None:
        return spec.attitude
    if in_party:
        return "friendly"
    return "hostile" if spec.kind is CharacterKind.monster else "neutral"


@dataclass
class World:
    campaign: Campaign
    seed: int
    turn: int = 0
    party_location: str = ""
    previous_location: str | None = None
    status: str = "active"  # active, completed
    characters: dict[str, CharacterState] = field(default_factory=dict)
    items: dict[str, ItemState] = field(default_factory=dict)
    skills: set[tuple[str, str]] = field(default_factory=set)  # (character, skill)
    facts: dict[str, int] = field(default_factory=dict)  # fact -> turn learned
    quests: dict[str, QuestState] = field(default_factory=dict)
    gifts: set[tuple[str, str, str]] = field(default_factory=set)  # (item, giver, receiver)
    entities: dict[str, EntityState] = field(default_factory=dict)
    combat: CombatState | None = None
    conversation: list[Exchange] = field(default_factory=list)  # append-only, oldest first
    # what the latest events were about, newest first: what a player's "it" or "her" means next. Not stored in
    # SQL; the turn graph restores it from the last turn's events (``note_referents``).
    referents: list[str] = field(default_factory=list, compare=False)

    # --- construction ------------------------------------------------------

    @classmethod
    def new(cls, campaign: Campaign, seed: int = 0) -> World:
        world = cls(campaign=campaign, seed=seed, party_location=campaign.start.location)
        for key, ch in campaign.characters.items():
            hp = ch.hp or DEFAULT_HP[ch.kind]
            in_party = key in campaign.start.party
            world.characters[key] = CharacterState(
                key=key, kind=ch.kind, name=ch.name, appearance=ch.appearance,
                location=campaign.start.location if in_party else ch.location,
                hp=hp, max_hp=hp, stats=dict(ch.stats),
                defense=ch.defense if ch.defense is not None else 10 + ch.stats.get("grace", 0),
                pose=ch.pose, in_party=in_party,
                disposition="hostile" if ch.kind is CharacterKind.monster else "friendly" if in_party else "neutral",
                attitude=initial_attitude(ch, in_party),
            )
            world.skills.update((key, s) for s in ch.skills)
            for item in ch.inventory:
                world.items[item] = ItemState(item, "", "", holder=key)
        for key, item in campaign.items.items():
            state = world.items.setdefault(key, ItemState(key, "", ""))
            state.name, state.appearance = item.name, item.appearance or item.name
            if state.holder is None:
                state.location = item.location
        world.quests = {key: QuestState(key) for key in campaign.quests}
        return world

    def copy(self) -> World:
        """A working copy for a turn. The campaign is immutable and shared; so are the conversation's lines
        (frozen, append-only): the copy gets its own list of the same lines, not a deep copy of each, which
        made every copy (several a turn) slower the longer the campaign had been talking."""
        campaign, conversation = self.campaign, self.conversation
        self.campaign, self.conversation = None, []  # type: ignore[assignment]
        try:
            clone = copy.deepcopy(self)
        finally:
            self.campaign, self.conversation = campaign, conversation
        clone.campaign, clone.conversation = campaign, list(conversation)
        return clone

    # --- queries ---------------------------------------------------------------

    def party(self) -> list[CharacterState]:
        return [c for c in self.characters.values() if c.in_party]

    def pcs(self) -> list[CharacterState]:
        return [c for c in self.party() if c.kind is CharacterKind.pc]

    def lead(self) -> CharacterState | None:
        """Who acts when no player is named: the first living pc in ``start.party`` order (then any pc)."""
        order = {key: i for i, key in enumerate(self.campaign.start.party)}
        pcs = sorted(self.pcs(), key=lambda c: (not c.alive, order.get(c.key, len(order))))
        return pcs[0] if pcs else None

    def present(self, location: str | None = None) -> list[CharacterState]:
        location = location or self.party_location
        return [c for c in self.characters.values() if c.location == location]

    def hostiles_here(self) -> list[CharacterState]:
        return [c for c in self.present() if c.alive and c.disposition == "hostile" and not c.in_party]

    def items_at(self, location: str | None = None) -> list[ItemState]:
        location = location or self.party_location
        return [i for i in self.items.values() if i.location == location and i.holder is None]

    def inventory(self, character: str) -> list[ItemState]:
        return [i for i in self.items.values() if i.holder == character]

    def entities_at(self, location: str | None = None) -> list[EntityState]:
        location = location or self.party_location
        return [e for e in self.entities.values() if e.location == location]

    def features_here(self) -> list[tuple[str, Feature]]:
        """The features at the party's location that can be seen: not hidden, or revealed in play."""
        location = self.party_location
        return [(key, f) for key, f in self.campaign.locations[location].features.items()
                if not f.hidden or marker("feature", location, key) in self.facts]

    def exits(self, location: str | None = None) -> dict[str, str]:
        """Direction -> location: the campaign's exits and the hidden ones opened in play."""
        location = location or self.party_location
        spec = self.campaign.locations[location]
        found = dict(spec.exits)
        for feature in spec.features.values():
            for check in feature.checks.values():
                for c in (check.success, check.failure):
                    if c.exit and marker("exit", location, c.exit.direction) in self.facts:
                        found.setdefault(c.exit.direction, c.exit.to)
        return found

    def learned_facts(self) -> list[str]:
        """The facts the party learned (not the markers of what play revealed)."""
        return sorted(f for f in self.facts if ":" not in f)

    def spec(self, key: str) -> Character:
        """The campaign's definition of a character; one who joined in play gets a plain pc definition."""
        found = self.campaign.characters.get(key)
        if found is not None:
            return found
        ch = self.characters[key]
        return Character(kind=ch.kind, name=ch.name, appearance=ch.appearance, stats=ch.stats, hp=ch.max_hp)

    def knows_skill(self, character: str, skill: str) -> bool:
        return (character, skill) in self.skills

    def told(self, speaker: str, topic: str) -> Exchange | None:
        """The first time ``speaker`` told the party about ``topic``, if it has."""
        return next((x for x in self.conversation if x.speaker == speaker and x.topic == topic
                     and x.manner == "tells"), None)

    def quest_stage_id(self, quest: str) -> str:
        q = self.quests[quest]
        stages = self.campaign.quests[quest].stages
        return stages[min(q.stage, len(stages) - 1)].id

    # --- the reducer ---------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        """Change the state by one event. The only place state changes."""
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event)
        self.note_referents([event])

    _REFERENT_FIELDS = ("item", "target", "to", "character", "speaker", "source", "teacher", "skill")

    def note_referents(self, events: list[ev.Event]) -> None:
        """Remember what ``events`` were about (characters outside the party, items, skills), newest first."""
        for event in events:
            about = [getattr(event, f) for f in self._REFERENT_FIELDS if isinstance(getattr(event, f, None), str)]
            about = [k for k in about if k in self.items or self.campaign.skills.get(k) is not None
                     or (k in self.characters and not self.characters[k].in_party)]
            if about:
                self.referents = list(dict.fromkeys(about + self.referents))[:8]

    def _on_moved(self, e: ev.Moved) -> None:
        for key in e.characters:
            self.characters[key].location = e.to
        if any(self.characters[k].in_party for k in e.characters):
            self.previous_location, self.party_location = self.party_location, e.to

    def _on_learned(self, e: ev.Learned) -> None:
        self.facts.setdefault(e.fact, self.turn)

    def _on_said(self, e: ev.Said) -> None:
        if e.to is not None and e.manner is not None:  # a line of a conversation: remembered
            self.conversation.append(Exchange(self.turn, e.speaker, e.to, e.topic, e.manner, e.text, e.asked))

    def _on_attitude(self, e: ev.AttitudeChanged) -> None:
        self.characters[e.character].attitude = e.attitude

    def _on_took(self, e: ev.Took) -> None:
        item = self.items[e.item]
        item.holder, item.location = e.character, None

    def _on_dropped(self, e: ev.Dropped) -> None:
        item = self.items[e.item]
        item.holder, item.location = None, e.location

    def _on_gave(self, e: ev.Gave) -> None:
        self.items[e.item].holder = e.to
        self.gifts.add((e.item, e.giver, e.to))

    def _on_recruited(self, e: ev.Recruited) -> None:
        ch = self.characters[e.character]
        ch.in_party, ch.disposition, ch.location = True, "friendly", self.party_location
        ch.attitude = "friendly"
        if self.combat and e.character not in self.combat.order:
            self.combat.order.append(e.character)

    def _on_skill_learned(self, e: ev.SkillLearned) -> None:
        self.skills.add((e.character, e.skill))

    def _on_damage(self, e: ev.Damage) -> None:
        self.characters[e.target].hp = max(0, e.hp)

    def _on_healed(self, e: ev.Healed) -> None:
        ch = self.characters[e.character]
        ch.hp = max(0, min(ch.max_hp, e.hp))
        if ch.alive and ch.pose == "fallen":
            ch.pose = "standing"

    def _on_defeated(self, e: ev.Defeated) -> None:
        ch = self.characters[e.character]
        ch.hp, ch.pose = 0, "fallen"

    def _on_pose(self, e: ev.Pose) -> None:
        if e.character in self.characters:
            self.characters[e.character].pose = e.pose
        elif e.character in self.entities:
            self.entities[e.character].pose = e.pose

    def _on_attack(self, e: ev.Attack) -> None:
        target = self.characters[e.target]
        if target.disposition != "hostile" and not target.in_party and self.characters[e.actor].in_party:
            target.disposition = "hostile"  # attacking someone makes an enemy of them
            target.attitude = "hostile"

    def _on_combat_started(self, e: ev.CombatStarted) -> None:
        self.combat = CombatState(location=e.location, order=list(e.order))

    def _on_turn_passed(self, e: ev.TurnPassed) -> None:
        assert self.combat is not None
        index = self.combat.order.index(e.to)
        if index <= self.combat.current:
            self.combat.round += 1
        self.combat.current = index

    def _on_combat_ended(self, e: ev.CombatEnded) -> None:
        self.combat = None

    def _on_routed(self, e: ev.Routed) -> None:
        for ch in self.party():
            ch.location = e.to
        self.previous_location, self.party_location = self.party_location, e.to

    def _on_quest_stage(self, e: ev.QuestStage) -> None:
        quest = self.quests[e.quest]
        if e.quest_completed:
            quest.status = "completed"
            quest.stage = len(self.campaign.quests[e.quest].stages) - 1
        else:
            quest.stage += 1

    def _on_entity_added(self, e: ev.EntityAdded) -> None:
        self.entities[e.id] = EntityState(e.id, e.name, e.appearance, e.location, added_turn=self.turn)

    def _on_entity_removed(self, e: ev.EntityRemoved) -> None:
        self.entities.pop(e.id, None)

    def _on_character_joined(self, e: ev.CharacterJoined) -> None:
        self.characters[e.id] = CharacterState(
            key=e.id, kind=CharacterKind.pc, name=e.name, appearance=e.appearance, location=self.party_location,
            hp=e.hp, max_hp=e.hp, stats=dict(e.stats), defense=10 + e.stats.get("grace", 0), in_party=True,
            disposition="friendly", attitude="friendly")
        if self.combat is not None:
            self.combat.order.append(e.id)

    def _on_feature_revealed(self, e: ev.FeatureRevealed) -> None:
        self.facts.setdefault(marker("feature", e.location, e.feature), self.turn)

    def _on_exit_opened(self, e: ev.ExitOpened) -> None:
        self.facts.setdefault(marker("exit", e.location, e.direction), self.turn)

    def _on_alarmed(self, e: ev.Alarmed) -> None:
        ch = self.characters[e.character]
        ch.location, ch.disposition = e.location, "hostile"

    def _on_campaign_completed(self, e: ev.CampaignCompleted) -> None:
        self.status = "completed"
