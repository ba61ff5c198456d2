"""The scene graph: a typed view of "what is here now".

Built from a :class:`~gm.state.world.World` (itself loaded from SQL); the game
master reasons over it and the world model is conditioned on it. It is a
read-only view: changes go back through events and :meth:`World.apply`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from gm.state.world import World

Relation = Literal["in_party", "holding", "hostile", "following", "fallen"]


class SceneEntity(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    kind: str  # pc, npc, companion, monster, item, entity
    appearance: str
    pose: str
    hp: int | None = None
    max_hp: int | None = None
    in_party: bool = False
    hostile: bool = False


class SceneRelation(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    relation: Relation
    object: str | None = None


class Exit(BaseModel):
    model_config = ConfigDict(frozen=True)

    direction: str
    to: str
    name: str


class SceneGraph(BaseModel):
    model_config = ConfigDict(frozen=True)

    location: str
    location_name: str
    description: str
    visual: str
    exits: list[Exit]
    entities: list[SceneEntity]  # characters, then things added in play, then items on the ground
    relations: list[SceneRelation]
    in_combat: bool = False

    def entity(self, key: str) -> SceneEntity | None:
        return next((e for e in self.entities if e.id == key), None)

    @classmethod
    def of(cls, world: World, location: str | None = None) -> SceneGraph:
        location = location or world.party_location
        loc = world.campaign.locations[location]
        entities: list[SceneEntity] = []
        relations: list[SceneRelation] = []
        leader = next((c.key for c in world.pcs()), None)
        for ch in sorted(world.present(location), key=lambda c: (not c.in_party, c.kind.value != "pc", c.key)):
            hostile = ch.disposition == "hostile" and ch.alive
            entities.append(SceneEntity(id=ch.key, name=ch.name, kind=ch.kind.value, appearance=ch.appearance,
                                        pose=ch.pose, hp=ch.hp, max_hp=ch.max_hp, in_party=ch.in_party,
                                        hostile=hostile))
            if ch.in_party:
                relations.append(SceneRelation(subject=ch.key, relation="in_party"))
                if ch.kind.value == "companion" and leader:
                    relations.append(SceneRelation(subject=ch.key, relation="following", object=leader))
            if hostile and leader:
                relations.append(SceneRelation(subject=ch.key, relation="hostile", object=leader))
            if not ch.alive:
                relations.append(SceneRelation(subject=ch.key, relation="fallen"))
            for item in world.inventory(ch.key):
                relations.append(SceneRelation(subject=ch.key, relation="holding", object=item.key))
        for ent in sorted(world.entities_at(location), key=lambda e: e.added_turn):
            entities.append(SceneEntity(id=ent.key, name=ent.name, kind="entity", appearance=ent.appearance,
                                        pose=ent.pose))
        for item in sorted(world.items_at(location), key=lambda i: i.key):
            entities.append(SceneEntity(id=item.key, name=item.name, kind="item", appearance=item.appearance,
                                        pose="lying"))
        exits = [Exit(direction=d, to=t, name=world.campaign.locations[t].name) for d, t in world.exits(location).items()]
        return cls(location=location, location_name=loc.name, description=loc.description, visual=loc.visual,
                   exits=exits, entities=entities, relations=relations,
                   in_combat=world.combat is not None and world.combat.location == location)
