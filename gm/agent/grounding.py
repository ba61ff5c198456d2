"""Grounding free text against the scene: read the line, then find what it asks for among what can happen here.

A line is first read as plain words (:mod:`gm.agent.reading`: markdown, typos,
several clauses). Each clause is then grounded in this order, and the first
step that decides wins:

1. a plain command (``take the fish``), after typo correction;
2. a direction or a destination the player named: an exit there moves the party; none is a refusal that lists
   the exits, and "go to X" while at X changes nothing;
3. an attempt no other action covers (search, climb, persuade ...): a ``check`` with its approach and target
   (its stat and difficulty are then settled by :class:`gm.agent.checks.CheckJudge`);
4. a question or remark with no other action in it: talking to whoever is there;
5. otherwise the scene's candidate intents (from the action registry), ranked by sentence-embedding similarity,
   with the everyday words for each action (its ``cues``) and the names the player used as evidence. A
   candidate that leaves out or contradicts what the player named (another direction, an item not mentioned,
   a person not meant) is not that candidate.

A choice can only ever be one of the candidates, so an intent can only name
something real; a weak or contradicted match is a clarification that changes
nothing. Every word the grounder knows comes from the campaign, the action
registry or the embedding model, never from a particular campaign.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gm.actions import ACTIONS, REGISTRY, Candidate, resolve
from gm.actions.attack import enemies_here
from gm.actions.base import others_here
from gm.actions import candidates as scene_candidates
from gm.actions.check import APPROACHES
from gm.actions.give import wanted_gifts
from gm.actions.move import exits_text
from gm.actions.naming import DIRECTIONS, STOP, descriptor, labels_of, name_words, normalize, resolve_name, words
from gm.agent.commands import parse_command
from gm.agent.conversation import TopicPicker
from gm.agent.interpret import Interpretation
from gm.agent.lexicon import FOOD, Lexicon
from gm.agent.models import EmbeddingCache
from gm.agent.reading import (english_words, PRONOUNS, Line, clauses, correct, inflected_from, part_line,
                              prose_clauses, read_line, verb_forms, word_classes)
from gm.campaign.memo import per_campaign
from gm.campaign.schema import Campaign, CharacterKind
from gm.intent import Action, Intent
from gm.rules.dice import Dice
from gm.state.world import CharacterState, World

# Words that ask the game master to break its rules. Never an action.
_INJECTION = re.compile(r"\b(ignore (all |your |the |previous |prior )*(instructions|rules|prompt)|system prompt|"
                        r"you are now|developer mode|give me \d+|set my (hp|health|stats?)|\d{3,} ?(hp|health|gold))\b",
                        re.I)
# the opening of a line that says nothing about what is done: "ok so I'll", "let me", "I try to"
_FILLER = re.compile(r"^((ok(ay)?|so|well|alright|right|yeah|yes|um+|uh+|hmm+|now|then|first)\b[ ,]*)*"
                     r"(i('ll| will| want to| try to| go to| am going to|'m going to| gonna)?|let me|let's|lets)?\s*"
                     r"((try|attempt|want|need|decide) to\s+)?")
_GO_TO = re.compile(r"\b(go|head|walk|run|return|come|get|travel|climb|crawl|hurry|move|step|make my way|wander|"
                    r"trudge|hike|stroll|march|trek|sprint|dash)"
                    r"(s|es|ed|ing)?\s+(back\s+|up\s+|down\s+|over\s+|out\s+|on\s+)?(to|into|in|towards?|inside|onto|"
                    r"across|aboard|ashore to)\s+"
                    # ("going to cross the dunes" is meaning to, not going: a verb after "to" is no place)
                    r"(?!(cross|be|have|need|try|make|get|do|find|take|see|ask|help|kill|fight|stop|save|win|"
                    r"look|talk|tell|give|bring|wait|die|learn|teach|pay|sneak|climb)\b)"
                    r"(the\s+)?(?P<place>[a-z0-9' -]+)")
_MOTION_BEFORE = re.compile(r"\b(go|head|walk|run|move|travel|flee|climb|crawl|jump|swim|back|retreat|hurry|step|"
                            r"continue|descend|ascend|get|fall back)(s|es|ed|ing|ning|ping|ming)?\s+(back\s+)?"
                            # "steps up to the headman" approaches; "climb up onto the bell" climbs
                            r"(?P<dir>up|down)\b(?! to\b| at\b| the\b| onto\b| on\b| into\b)")
# words of going with no verb: "on to the harbor", "onward to the gate", "back to the green"
_TOWARD = re.compile(r"^(and |then |now )?(on|onward|onwards|off|back|over|out|down|up)? ?(to|towards?|into) "
                     r"(the )?(?P<place>[a-z0-9' -]+)$")
# a player stating what their character is or has, rather than doing something
_CLAIM = re.compile(r"^(i (already |just |now |totally )?(know|knew|have(?! to)|had(?! to)|am|was|got(?! to)|remember|"
                    r"own)\b|"
                    r"(i'm|im|i've|ive) (the|a|an|level|now|already|immune|invincible|actually|really|\d)\b)")
# the skill asked for by name: "learn fireball from nasreen", "teach me the shadow step"
_LEARN_WHAT = re.compile(r"\b(learn|teach me|show me) (the |a |an |your |some )?(?P<what>[a-z'-]+( [a-z'-]+)?)"
                         r"( from| off| with|$)")
_GIVE_IT_A = re.compile(r"\b(give|gives|giving|gave) (it|that|this|them|him|her|the [a-z'-]+) (a|an|another)"
                        r"( good| quick| little| hard| gentle| long)? (?P<what>[a-z'-]+)")
# what is looked toward, not gone to: "get up the tower and see what's out west"
_LOOKED_TOWARD = re.compile(r"(^|\b(to|and) )(see|look|peer|watch|spot|gaze|spy|scout)\b.*$")
_GET_SOMEWHERE = re.compile(r"\b(get|gets|getting|got) (behind|up|down|in|out|over|away|back|off|on|into|through|past|"
                            r"around|across|close|closer|near|nearer|ready|going|moving|inside|outside|under|above|"
                            r"between|to)\b")
_ATTEMPT_WORDS = frozenset(w for cues in APPROACHES.values() for cue in cues for w in cue.split())
_NARRATION = "What happens is for the dice and the rules to say. What does your character do?"
# chat that opens a line and says nothing of the story: "lol", "ngl", "ugh", "welp"
_CHATTER = re.compile(r"^((lol|lmao|lmfao|rofl|haha\w*|hehe\w*|omg|ngl|tbh|imo|ugh+|welp|wow|damn|dang|oof|man|dude|"
                      r"bro|geez|jeez|honestly|seriously|ok(ay)?|so|well|yeah|yep|nah)\b[ ,!.]*)+")
# a remark about how things are, with nothing done: "this fight is taking forever", "the shelves are empty"
_REMARKED = re.compile(r"^(this|that|these|those|the|this whole|the whole) ([a-z'-]+ ){1,2}(is|are|was|were|seems|"
                       r"looks|feels|sounds|smells|has been|keeps)\b")
# telling the outcome instead of attempting it: "i win the game", "i dodge every attack forever"
_OUTCOME = re.compile(r"^i (just |totally |automatically |instantly )?(win|won|succeed|succeeded|beat the game|"
                      r"finish the game|can't lose|cannot lose|never miss)\b|"
                      r"^i (?!.*\b(you|you've|youve|he|she|they)\b).*\b(forever|infinitely|every single time|"
                      r"no matter what|automatically succeed|without rolling|no roll needed)\b")
# decreeing what only the story can grant, anywhere in a line: "I declare myself captain and everyone obeys me",
# "heal everyone aboard instantly", "eat the pies and gain 50 max hp". Powers by fiat, not attempts; the
# words are those of tabletop play in general (scope, immediacy, numbers of the rules), no campaign's
_DECREE = re.compile(r"\b((declare|make|crown|proclaim|appoint|name) myself|(everyone|everybody|all of them) "
                     r"(obeys|obey|bows|bow|kneels|kneel) (to )?me|with a (wave|snap|flick) of (my|the) "
                     r"(hand|fingers|wrist)|snap my fingers|in (one|a|1|a single) (second|instant|heartbeat)|"
                     r"gain \d+|\d+ (max |maximum |more |extra )?(hp|xp|hit points|levels?)\b)|"
                     r"\binstantly\b(?=.*\b(everyone|everybody|everything|entire|whole|all)\b)|"
                     r"\b(everyone|everybody|everything|entire|whole|all)\b(?=.*\binstantly\b)")
# a question that asks leave to act, which is acting: "can I search the jars?", "mind if we climb it?"
_ASKS_TO_ACT = re.compile(r"^(can|could|may|might|shall|should|do|mind if|what if|how about if) (i|we)\b|"
                          r"^let (me|us)\b")
_ADDRESS = re.compile(r"\b(ask|tell|talk to|talk with|speak to|speak with|chat with|greet|thank|say hi to|"
                      r"say hello to)\s+((the|old|young|little|dr|mr|mrs|ms) )*(?P<whom>[a-z0-9-]+)")
_ABOUT = re.compile(r"\b(about|regarding|concerning)\b")
# what a question asks about the world: "wh" words, and whether there is any ("is there any way to free her?")
_WH = re.compile(r"^(who|whos|who's|what|whats|what's|where|wheres|where's|when|why|how|hows|how's|which|"
                 r"(is|are|was|were) there)\b")
# everyday words for "my skill" that let a player use one without naming it
_FEED = re.compile(r"\b(feed|feeds|feeding|something to eat|food|a snack|a treat)\b")
_ABOUT_SOMEONE = {Action.talk, Action.recruit, Action.attack, Action.learn, Action.give, Action.use_skill}
_HARM = {Action.attack, Action.use_skill}
_TAUGHT = re.compile(r"\b(?P<who>[a-z'-]+) (taught|showed|teached|gave) (?P<whom>me|us|her|him|them)\b")
_MANOEUVRES = {"hide", "dodge", "sneak", "jump", "balance"}  # moves in a fight that lead into a blow
# a question about what the party itself can do or where it can go: the scene answers it
_OWN_WAY = re.compile(r"^(where|what|which way|how)( else)? (can|could|should|do|shall) (i|we) (go|do|head|try)\b")
# going on, the way the party was going: "cross the bridge" (standing on it), "keep going", "on we go"
_ONWARD = re.compile(r"\b(cross|crosses|crossing|across|onwards?|keep going|keeps going|press on|presses on|"
                     r"carry on|further|farther|forward|ahead|the other side|on we go|go on|goes on|push on|"
                     r"continue|continues|keep walking|move on|moves on)\b")
# a service asked of someone: "will you row for me?", "would you carry me across?" (not "will you tell me ...")
_WILL_YOU = re.compile(r"^([a-z'-]+,? )?(will|would|can|could) (you|ya|u) (?!tell|say|explain|know|remember|"
                       r"show me where|look|think|believe|mind telling)[a-z'-]+ (for|with) (me|us)\b|"
                       r"^([a-z'-]+,? )?(will|would|can|could) (you|ya|u) (carry|take|guide|lead|escort) (me|us)\b")
_WHAT_TAUGHT = re.compile(r"^(so |and |but )?(what|which)\b.*\b(teach|teaches|teaching|train|show)\b")
# someone bidden to do something: "yell at cobb to ...", "tell him to ...", "make her ..."
_BIDDEN = re.compile(r"\b(tell|tells|told|yell at|yells at|shout at|shouts at|order|orders|ordered|warn|warns|"
                     r"command|commands|get|gets|make|makes)( the)? [a-z'-]+ to\b")
_THROWN = re.compile(r"\b(throw|throws|threw|throwing|toss|tosses|tossed|tossing|hurl|hurls|hurled|hurling|fling|"
                     r"flings|flung|lob|lobs|lobbed)\b")
_LAID = re.compile(r"\b(lay|lays|laid|laying|set|sets|setting|put|puts|putting|place|places|placed|placing)\b")
# asking someone to come along, in so many words: "come out on the ice with me", "follow me", "join us"
_COME_ALONG = re.compile(r"\b(come|coming|go|going|walk|ride|head|travel)\b.*\bwith (me|us)\b|\bcome (along|with)\b|"
                         r"\bfollow (me|us)\b|\bjoin (me|us)\b|\btag along\b|\baccompany (me|us)\b")
# handing something over by where it ends up: "sets it in his hands", "presses the coin into her palm"
_INTO_HANDS = re.compile(r"\b(in|into) (his|her|their|your) (hands?|palms?|arms|grip)\b")
# setting something down for someone is handing it over: "sets the haunch down in front of the husky"
_SET_BEFORE = re.compile(r"\b(in front of|before|at the feet of|at (his|her|its|their|[a-z-]+'s) (feet|paws)|under (his|her|its|"
                         r"their) nose|for (him|her|it|them))\b")
_TRIED_ON = re.compile(r"\b(try|tries|trying|test|tests|testing) (it|that|this) (out )?(on|against|at)\b")
_FLEE = re.compile(r"\b(flee|run away|retreat|escape|get out|fall back|back off|bail)\b")
_BACK = re.compile(r"\b(back|return|returning|the way i came|retreat)\b")
_SKILL_WORDS = {"spell", "magic", "skill", "power", "ability", "technique", "it", "that", "trick"}
# going to see someone or to find a place: "off to see the sheriff", "let's find the bar", "pay maud a visit"
_VISIT = re.compile(r"\b(off to|go see|going to see|gonna see|visit|visits|look for|find|drop in on|check on|"
                    r"pay (a )?visit to|stop by|call on)\b")
# words around a bare name that add nothing to it: "the papers?", "um, doc", "ok bar"
# A word names a skill by what it does only as another form of one of its words: "heal"/"healing" 0.92,
# "calm"/"calms" 0.88, "howl"/"war-howl" 0.78, "shielding"/"shield" 0.65, where "wrote"/"read" 0.58 and
# "rolls"/"turns" 0.50 are other words (measured with the embedded sentence model)
SKILL_LIKENESS = 0.65
_FILLERS = {"um", "uh", "ok", "okay", "so", "hmm", "well", "oh", "hey", "yo", "please", "pls", "now", "again", "too"}
COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}

Embedder = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows
Chooser = Callable[[World, str, list[Candidate]], int | None]  # the language model's pick, or None


def candidates(world: World, actor: str | None = None) -> list[Candidate]:
    """Every intent that could apply in the current scene, with phrasings to match against (from the registry)."""
    return scene_candidates(world, acting_pc(world, actor))


def acting_pc(world: World, actor: str | None = None) -> CharacterState | None:
    """The player's own character: ``actor`` when given, else the party's first member in ``start.party``."""
    if actor and actor in world.characters:
        return world.characters[actor]
    return world.lead()


_DETERMINERS = {"a", "an", "the", "my", "his", "her", "their", "your", "our", "both", "its", "one", "two"}
# verbs that lend their action to the noun after them: "take a nap" naps, "have a look" looks
_LIGHT_VERBS = re.compile(r"\b(take|takes|taking|took|have|has|having|had|get|gets|getting|got|grab|catch|"
                          r"(give|gives|giving|gave)( it| him| her| them)?) (a|an|some|another)"
                          r"( quick| short| long| good| little| small| polite| curt| slow)?$")


def _has(text: str, cue: str) -> bool:
    """Whether the everyday word or phrase ``cue`` occurs in ``text`` as a verb (with its common inflections):
    after a determiner it is a noun ("raises both hands" hands nothing over), unless a light verb lends it
    its action ("take a nap", "have a look"). Apostrophes don't count ("lets roll" is "let's roll")."""
    return bool(_spans(text, cue))


@lru_cache(maxsize=4096)
def _cue_pattern(cue: str) -> re.Pattern:
    """The compiled pattern of a cue and its inflections, once per cue: the cues outnumber re's own cache."""
    # a cue's "my" is anyone's: "catch my breath" is also "*catches her breath*", as emotes and prose tell it
    pattern = r"\s+".join(_POSSESSIVES if w == "my" else _inflected(w) for w in cue.split())
    verb, _, particle = cue.partition(" ")
    if particle in _PARTICLES:  # a phrasal verb, split by its object: "talk o'hara into it", "put it back down"
        # (past its first word the object may be described by a participle: "holding the steaming pie out")
        pattern = (rf"{_inflected(verb)}(?:\s+(?!{_BETWEEN_NOT}|\w+ing\b)[a-z0-9-]+"
                   rf"(?:\s+(?!{_BETWEEN_NOT})[a-z0-9-]+|\s+(?!{_BETWEEN_WORDS})\w+ing){{0,2}})??\s+{re.escape(particle)}")
    return re.compile(rf"\b{pattern}\b")


def _spans(text: str, cue: str) -> list[tuple[int, int]]:
    """Where ``cue`` occurs in ``text`` as :func:`_has` reads it (in the text without apostrophes)."""
    text, cue = text.replace("'", ""), cue.replace("'", "")
    verb = cue.partition(" ")[0]
    found = []
    for m in _cue_pattern(cue).finditer(text):
        before = text[:m.start()].split()
        if m.start() and text[m.start() - 1] == "-":
            continue  # the end of a joined word is no verb: "the wind-calling", "the war-cry"
        if m.group(0).split()[0] in _irregular(verb) and before and before[-1] not in ("i", "we"):
            continue  # someone else's past deed: "the men who took the payroll", "the song nasreen taught me"
        if cue in _NOUN_CUES:
            found.append(m.span())  # "your student", "a lesson": a noun that asks for the action
            continue
        noun = bool(before) and (before[-1] in _DETERMINERS or (  # "a hand", "a gloved hand"
            len(before) > 1 and before[-2] in _DETERMINERS and _adjective(before[-1]))) and (
            "NOUN" in word_classes(m.group(0).split()[0]) or not word_classes(m.group(0).split()[0]))
        # (a word that is no noun is the verb: "old one, teach me")
        # after "be", a participle tells a state, not a deed: "the men are scared" scares no one
        state = bool(before) and before[-1] in _BE and m.group(0) != cue and m.group(0).endswith("d")
        # what the listener does or seems is no deed of ours: "you look like you've seen a ghost"
        # (asked of them, it is the request: "can you show me the ward?")
        yours = bool(before) and before[-1] in ("you", "u", "ya") and not (
            len(before) > 1 and before[-2] in _MODALS) and not m.group(0).startswith(("want", "need")) or (
            text[m.end():].startswith(" like"))  # ("you want my power cell?" is an offer of ours)
        # a thing's deed, not ours: "see what's moving on this deck", "listen for anything stirring"
        theirs = bool(before) and before[-1] in _SOME_THING and m.group(0) != cue
        if (not noun or _LIGHT_VERBS.search(" ".join(before))) and not state and not yours and not theirs:
            found.append(m.span())
    return found


_SOME_THING = {"what", "whats", "something", "anything", "nothing", "everything", "whatever", "who", "whos"}
_POSSESSIVES = r"(?:my|his|her|their|our)"
# the particles of two-word verbs that may stand after the verb's object, and the words that end the object
_PARTICLES = {"into", "down", "up", "off", "out", "away", "open", "loose", "free", "over"}
_BETWEEN_WORDS = (r"(?:to|about|with|for|at|from|of|in|on|and|or|but|then|if|so|because|while|when|as|is|are|was|"
                  r"were|be)\b")
_BETWEEN_NOT = rf"(?:{_BETWEEN_WORDS}|\w+ing\b)"

HARMLESS_ACTIONS = {Action.wait, Action.look}  # actions that change nothing
_MODALS = {"can", "could", "will", "would", "should", "may", "might", "do", "did", "wont", "cant", "couldnt",
           "wouldnt", "please", "and", "if", "shall", "to"}


def _regular(word: str) -> str:
    """A pattern for ``word`` and its regular inflections: "scramble": scrambles, scrambled, scrambling."""
    # a last consonant may double before -ed/-ing (stopped), a last vowel never ("good" is no form of "go"),
    # and a bare -d follows only an "e" (scrambled)
    double = "" if word[-1] in "aeiouy" else rf"{re.escape(word[-1])}?"
    forms = rf"{re.escape(word)}(?:s|es|{double}(?:ed|ing){'|d' if word.endswith('e') else ''})?"
    if word.endswith("e") and len(word) > 3:
        forms += rf"|{re.escape(word[:-1])}ing"
    return forms


@lru_cache(maxsize=4096)
def _inflected(word: str) -> str:
    """A pattern for ``word`` and its inflections: the regular ones (:func:`_regular`) and the irregular ones
    lemminflect's lexicon knows ("shoot": shot, "throw": threw, thrown)."""
    if len(word) <= 2 and word not in ("go", "do"):
        return re.escape(word)  # "hi" is no verb: "his" is not "hi"
    return f"(?:{'|'.join([_regular(word), *map(re.escape, _irregular(word))])})"


@lru_cache(maxsize=4096)
def _irregular(verb: str) -> tuple[str, ...]:
    """The past forms of ``verb`` that its regular pattern misses ("shoot": shot), by lemminflect's lexicon.
    They tell a deed only where one's own would stand, at the clause's start or after "I" (see :func:`_spans`):
    "anything hidden" hides nothing, "what's left" leaves nowhere."""
    regular = _regular(verb)
    return tuple(sorted({f for tag in ("VBD", "VBN") for f in verb_forms(verb, tag) if not re.fullmatch(regular, f)}))


_BE = {"am", "is", "are", "was", "were", "be", "been", "being", "im", "youre", "theyre", "hes", "shes",
       "seem", "seems", "seemed", "look", "looks", "looked", "feel", "feels", "felt", "got", "get", "gets"}


# cues that are nouns, so a determiner before them does not make them a thing: "become your student"
_NOUN_CUES = {"student", "apprentice", "pupil", "disciple", "lesson"}


def _adjective(word: str) -> bool:
    """Whether a word can describe a thing ("gloved", "cold", "shaky"), by lemminflect's lexicon."""
    forms = word_classes(word)
    return "ADJ" in forms or (word.endswith("ed") and "VERB" in forms)


def _position(text: str, cue: str) -> int | None:
    """Where ``cue`` first occurs in ``text`` as :func:`_has` reads it, else None."""
    if not _has(text, cue):
        return None
    head = cue.split()[0].replace("'", "")
    m = re.search(rf"\b{re.escape(head)}", text.replace("'", ""))
    return m.start() if m else 0


def cue_actions(text: str, but: frozenset[Action] = frozenset()) -> set[Action]:
    """The actions the words say (of those not in ``but``). A cue inside a longer one of another action is part
    of that one: "here you go" gives; it goes nowhere."""
    found = [(spec.action, span) for spec in ACTIONS if spec.action is not Action.check and spec.action not in but
             for c in spec.cues for span in _spans(text, c)
             if not (spec.action is Action.move and " " not in c and
                     _GOING_WITH_AN_OBJECT.match(text.replace("'", ""), span[1]))]
    return {action for action, (a, b) in found if not any(
        other is not action and x <= a and b <= y and (y - x) > (b - a) for other, (x, y) in found)}


# a going verb with an object of its own goes nowhere: "runs a gloved finger along the mask", "run a scan",
# "walks her fingers up his arm"; a way named after it still goes ("head a little way north")
_GOING_WITH_AN_OBJECT = re.compile(r" (a|an|my|his|her|their|your|our) (?!.*\b(north|south|east|west|up|down|in|"
                                   r"out|inside|outside|back|way|upstairs|downstairs|aboard|ashore)\b)")


def approach_of(text: str) -> str | None:
    """The approach of an open action the words describe ("rummage through the jars" -> search), else None."""
    found = [(at, approach) for approach, cues in APPROACHES.items() for cue in cues
             if (at := _position(text, cue)) is not None]
    if opened := _OPENED.search(text):  # "crack one of these crates open"
        found.append((opened.start(), "force"))
    return min(found)[1] if found else None  # the first attempt told: "listen to the marsh for anything moving"


# an attempt to change someone's mind, with them between: "talk the AI out of it", "talk him into lending it"
_PERSUADED = re.compile(r"\b(talk|talks|talking|sweet-talk|sweet talk|reason|reasons|argue|argues)( [a-z'-]+){1,4} "
                        r"(into|out of)\b|\btalk (some )?sense into\b")
_SOCIAL = {"persuade", "intimidate"}  # attempts on a person's mind (calming a beast may be a skill's work)


# forcing a thing open, with the thing between: "crack one of these crates open", "kick the door open"
_OPENED = re.compile(r"\b(crack|prise|prize|pry|pries|bust|break|smash|kick|bash|jimmy|lever|wrench|pop|force|shove)"
                     r"[a-z]*( [a-z'-]+){1,5} open\b")


@dataclass
class Clause:
    """One clause of a line, read: its words (typos corrected), what it names, and what it refers back to."""

    text: str
    named: set[str]  # ids of things the words name (characters, items, skills, locations, entities)
    maybe: set[str]  # ids a word of the clause may name among others ("old" for two old people)
    referred: list[str]  # ids the pronouns in it may stand for, newest first
    cues: set[Action]
    approach: str | None
    line: Line
    unknown: str | None = None  # a thing handled that names nothing known ("take the kettle")
    stranger: str | None = None  # someone spoken to who is no one known ("talk to the blacksmith")


class EmbeddingGrounder:
    """Grounds a player's line in the scene: deterministic readings first, then embedding ranking of candidates."""

    def __init__(self, embed: Embedder, chooser: Chooser | None = None, *, floor: float = 0.4,
                 close: float = 0.03, name_bonus: float = 0.12, cue_bonus: float = 0.12,
                 always_ask_model: bool = False, judge=None):
        from gm.agent.checks import CheckJudge

        self.embed = embed
        self._vectors = EmbeddingCache(embed)
        self.judge = judge or CheckJudge(self._vectors)  # settles stat and difficulty
        self.chooser = chooser
        self.floor, self.close, self.name_bonus, self.cue_bonus = floor, close, name_bonus, cue_bonus
        self.unnamed_margin = 0.08  # how clearly words must say which of a teacher's skills, if they name none
        self.always_ask_model = always_ask_model
        self.topics = TopicPicker(self._vectors)  # who in a group a question is for
        self.lexicon = Lexicon(self._vectors)
        self.skill_lexicon = Lexicon(self._vectors, likeness=SKILL_LIKENESS)  # words of what a skill does

    def _query(self, text: str) -> np.ndarray:
        return self._vectors([text])[0]

    # --- the line ----------------------------------------------------------------------------------

    def ground(self, world: World, text: str, actor: str | None = None) -> Interpretation:
        if _INJECTION.search(text):
            return Interpretation("clarify", clarification="The world does not bend to that. What does your "
                                                           "character do?", via="embedding")
        me = acting_pc(world, actor)
        line = read_line(text, _own_names(world, me), _listener_names(world, me))
        if _DECREE.search(normalize(line.text)):
            return Interpretation("clarify", clarification=_NARRATION, via="rules")
        corrected = _with_co_actors(world, correct(line.text, vocabulary(world), _scene_names(world)))
        corrected = _bidden_party(world, me, corrected, line)
        parts = clauses(corrected, _command_verbs())
        if len(parts) > 1:
            steps = self._sequence(world, me, parts, line)
            if steps is not None:
                return steps
        sentences = prose_clauses(corrected)
        if len(sentences) > 1:
            main = self._main_clause(world, me, sentences, line)
            if main is not None:
                return main
            # "the senator looks flushed. ask him if he has enemies": what is told of others is the scene; the
            # rest is what the player does
            acted, told = [], []
            for s in sentences:
                read = self._read(world, me, normalize(s), part_line(line, s), list(world.referents))
                if self._not_an_action(world, me, read) is None:
                    acted.append(s)
                else:
                    told += sorted(read.named & set(world.characters))  # "her" in what follows is who was told of
            if acted and len(acted) < len(sentences) and all(cue_actions(normalize(s)) for s in acted):
                return self._clause(world, me, ". ".join(acted), line, told + list(world.referents))
        return self._clause(world, me, corrected, line, list(world.referents))

    def _sequence(self, world: World, me: CharacterState | None, parts: list[str], line: Line
                  ) -> Interpretation | None:
        """Several actions in one line, each grounded in the scene the one before it leaves; None when some part
        is not clearly an action of its own (then the line is read whole)."""
        trial, referents, found, spoken = world.copy(), list(world.referents), [], []
        previous, narrated = "", None
        for i, part in enumerate(parts):
            said = part_line(line, part)
            verb = next((w for w in previous.split() if w in _command_verbs()), None)
            first = part.split()[0]
            if verb and not cue_actions(part) and not approach_of(part) and (
                    first not in _command_verbs() or first in ("up", "down") and len(part.split()) > 1):
                part = f"{verb} {part}"  # "take the rope and the lamp" takes the lamp too; "go ... then up the steps"
            previous = part
            if narrated is not None and not found and _tells_of(part.split()[0], relayed=True):
                continue  # "the wolf loves me now and joins the party": still the wolf, still told
            step = self._clause(trial, me, part, said, referents, decisive_only=True)
            if step is None:
                return None
            if step.kind != "action" and i == 0 and step.clarification == _NARRATION:
                narrated = step  # "the ghul rears up, and the Starfire Word comes out of her": the scene, then the deed
                continue
            if step.kind != "action":
                # a later step the rules' words rule out ("... and go west" with no exit): say so, change nothing
                return step if i and step.via == "rules" else None
            if said.speech is not None and step.intent.action is Action.talk:
                spoken.append(step.intent)
            elsewhere = {loc for loc in world.campaign.locations if loc != trial.party_location
                         and words(part) & _distinct_words(world, loc)}
            if found and step.intent.action is Action.move and found[-1].action is Action.move and not (
                    set(normalize(part).split()) & (COMPASS | {"up", "down"}) or elsewhere):
                continue  # "squints toward the east, then sets off along the boardwalk": one way, told twice
            found.append(step.intent)
            referents = [k for k in (step.intent.target, step.intent.item, step.intent.skill) if k] + referents
            trial.turn += 1
            intent = step.intent.model_copy(update={"actor": me.key if me else None})
            if not resolve(trial, intent, Dice(trial.seed, trial.turn)).ok:
                break  # the rules will refuse this step; what follows can't be grounded on its result
        if not found:
            return narrated  # "pip hacks the mech and it shuts down": what others do is for the rules to say
        asked = line.speech is not None and line.speech.rstrip().endswith("?")
        if line.emote and line.speech is not None and any(
                i.action in (Action.talk, Action.learn, Action.recruit, Action.give) for i in found):
            # "*climbs the last step and bows low* "Please teach me the chant."": the poses are how it is asked;
            # an attempt aimed at nothing, or beside a question, is one of them
            found = [i for i in found if i.action is not Action.check or (i.target is not None and not asked)]
        # words said to someone while acting on them are how it is done ("holds out the stone. 'This is yours.'")
        acted_on = {i.target for i in found if i.action is not Action.talk}
        doing = any(i.action is not Action.talk for i in found)
        # ... and words said while doing something else are how it is done, unless they ask something ("lifts
        # the mask to the candle. 'This one, Maestro.'" takes the mask)
        steps = _merged([i for i in found if not any(i is t for t in spoken) or (
            i.target not in acted_on and (asked or not doing))], world)
        told = [t.target for t in spoken if t.target and not any(t is i for i in steps)]
        if len(set(told)) == 1:  # ""Astrid, hold on!" *sings the mending song*": a healing for the one spoken to
            steps = [i.model_copy(update={"target": told[0]}) if i.action is Action.use_skill and i.target is None
                     and i.skill and not world.campaign.skills[i.skill].damage else i for i in steps]
        if len(steps) == 1:
            return Interpretation("action", intent=steps[0], via="embedding")
        return Interpretation("action", intent=steps[0], intents=steps, via="embedding",
                              candidates=[(f"{i.action.value} {i.target or i.item or ''}".strip(), 1.0) for i in steps])

    def _main_clause(self, world: World, me: CharacterState | None, parts: list[str], line: Line
                     ) -> Interpretation | None:
        """Prose with one action in it ("Rook kneels in the crawlway and slots the glowing cell into the drone's
        socket. 'There you go, buddy.'"): each clause is grounded on its own, and the action is the one found in a
        clause that names what it acts on; the rest (a pose, a gesture, words said while doing it) is flavour.
        Two clauses that act differently and about as clearly are a question to the player. None when no
        clause acts on something it names (then the line is read whole)."""
        acting: list[tuple[Intent, float, Interpretation]] = []
        talked_to: set[str | None] = set()  # whom the clauses that talk are said to
        told_in: dict[int, str] = {}  # each clause's reading, by id, to the words it was read from
        earlier: list[str] = []  # what earlier sentences named, newest first: "that ridge is huge ... up it"
        beside: list[str] = []  # the features earlier clauses of the line name, newest first
        for part in parts:
            said = part_line(line, part)
            referents = list(dict.fromkeys(earlier + list(world.referents)))
            found = self._clause(world, me, part, said, referents)
            read = self._read(world, me, normalize(part), said, referents)
            features = _features_named(world, part)
            if found is not None and found.kind == "action" and not found.intents and (
                    found.intent.action is Action.check) and beside and (
                    found.intent.target not in read.named | set(features)):
                # "*kneels by the stacked crates and digs through the straw*": the attempt is on what the pose
                # is beside, not on a guess from the clause's own words
                found = Interpretation("action", intent=found.intent.model_copy(update={"target": beside[0]}),
                                       via=found.via, candidates=found.candidates)
            told_in[id(found)] = part
            beside = [*features, *beside]
            earlier = [*sorted(read.named & (set(world.characters) | set(world.items))), *features, *earlier]
            if found is None or found.kind != "action" or found.intents:
                continue
            if found.intent.action is Action.talk:
                talked_to.add(found.intent.target)
            if said.speech is not None and found.intent.action is Action.talk:
                continue  # words said aloud beside an action are its flavour; alone, the line is read whole
            c = read
            involved = {found.intent.target, found.intent.item, found.intent.skill} - {None}
            if found.intent.action is Action.move and found.intent.target in world.exits():
                # a way is named by its direction ("heads north") or by where it leads ("up toward the temple")
                involved = set() if found.intent.target in normalize(part).split() else {
                    world.exits()[found.intent.target]}
                c = self._read(world, me, _after_verb(normalize(part)), said, referents)
                if involved - (c.named | c.maybe) or not cue_actions(normalize(part)) & {Action.move, Action.take}:
                    continue  # "steps up to the counter" names no Cedar Steps; "a strong arm on the water" goes nowhere
                score = found.candidates[0][1] if found.via == "embedding" and found.candidates else 1.0
                acting.append((found.intent, score, found))
                continue
            if found.intent.action is Action.recruit and _joinable(world) == [found.intent.target]:
                involved.discard(found.intent.target)  # "join me": the one who could is asked
                if not involved:
                    acting.append((found.intent, found.candidates[0][1] if found.candidates else 1.0, found))
                    continue
            if found.intent.action in _HARM and [ch.key for ch in enemies_here(world, me)] == [found.intent.target]:
                involved.discard(found.intent.target)  # in a fight with one enemy, the blow goes to it unsaid
                if found.intent.action in cue_actions(normalize(part)):
                    # "she presses the attack": the words say the blow
                    acting.append((found.intent, found.candidates[0][1] if found.candidates else 1.0, found))
                    continue
                if not involved:
                    continue
            if not involved or involved - (c.named | c.maybe | set(c.referred[:2])):
                continue  # acts on something the clause doesn't name: a pose, a gesture, or a guess
            score = found.candidates[0][1] if found.via == "embedding" and found.candidates else 1.0
            acting.append((found.intent, score, found))
        # talking is what surrounds doing: a clause that does something outweighs one that talks, and a line that
        # only talks is read whole (what is said to whom is clearest from all of it)
        acting = [a for a in acting if a[0].action is not Action.talk]
        if talked_to and all(a[0].action in HARMLESS_ACTIONS for a in acting):
            acting = []  # "*She waits, watching his face.*" after words to him: a pose while they sink in
        # words that say an action outweigh words that only name a thing: "*leans on the rope fence* "You and I,
        # Zubaida, are going to cross the dunes together"" asks the camel along and takes no rope
        cued = [a for a in acting if a[0].action in cue_actions(normalize(told_in[id(a[2])])) or (
            a[0].action is Action.use_skill and words(told_in[id(a[2])]) & name_words(world, a[0].skill))]  # "Sunfire!"
        acting = cued or acting
        skilled = {a[0].target for a in acting if a[0].action is Action.use_skill}
        # "Burn, you slug! She thrusts her hand forward": one blow told twice, the skill the particular telling
        acting = [a for a in acting if not (a[0].action is Action.attack and a[0].target in skilled)]
        listeners = [ch.key for ch in others_here(world, me) if ch.alive and ch.disposition != "hostile"]
        if not talked_to and line.speech and len(listeners) == 1:
            talked_to = set(listeners)  # words said aloud with one person here are said to them
        whole = self._read(world, me, normalize(line.text), line, list(world.referents)) if (
            not acting and len(talked_to) == 1) else None
        if whole is not None and None not in talked_to and not enemies_here(world, me) and not (
                whole.cues - {Action.talk, Action.take, *HARMLESS_ACTIONS}) and whole.approach is None:
            # every clause that says something says it to one person ("Sir, the men are scared. What is the
            # plan?"): the whole line is said to them
            intent = Intent(action=Action.talk, target=next(iter(talked_to)), text=line.speech or line.text)
            return Interpretation("action", intent=intent, via="embedding")
        if not acting:
            return None
        moves = [a for a in acting if a[0].action is Action.move]
        if len(acting) == 2 and len(moves) == 1 and acting[-1] is moves[0]:
            # "overcharges the mech's sensors, then bolts down the ladder": the deed, then the going, in the
            # order told (the scene the going leaves is the one the deed was done in)
            steps = [a[0] for a in acting]
            return Interpretation("action", intent=steps[0], intents=steps, via="embedding",
                                  candidates=[(f"{i.action.value} {i.target or i.item or ''}".strip(), 1.0)
                                              for i in steps])
        acting.sort(key=lambda a: -a[1])
        best_intent, best_score, best = acting[0]
        rivals = [(i, s) for i, s, _ in acting[1:] if i != best_intent]
        if rivals and best_score - rivals[0][1] < self.floor / 4:  # two clauses, two actions, neither clearer
            options = [(f"{i.action.value} {_label(world, i.target or i.item or i.skill or '')}".strip(), i)
                       for i in (best_intent, rivals[0][0])]
            return Interpretation("clarify", clarification="Do you want to " + " or ".join(o for o, _ in options)
                                  + "?", via="embedding", options=options)
        return best

    # --- one clause --------------------------------------------------------------------------------

    def _clause(self, world: World, me: CharacterState | None, text: str, line: Line, referents: list[str],
                decisive_only: bool = False) -> Interpretation | None:
        text = normalize(text)  # the marks that ended the clause have done their work
        plain = parse_command(world, _FILLER.sub("", text)) or parse_command(world, text)
        if plain is not None:
            return Interpretation("action", intent=plain, via="command")
        clause = self._read(world, me, text, line, referents)
        steps = (self._not_an_action, self._direction, self._open_action, self._asked_along, self._remark) \
            if decisive_only else (self._not_an_action, self._direction, self._bare_name, self._open_action,
                                   self._asked_along, self._remark)
        for step in steps:  # in a sequence a bare name is no step of its own: "bramble and i charge it"
            found = step(world, me, clause)
            if found is not None:
                return found
        if decisive_only and not clause.cues:
            return None  # in a sequence, a part with no word for an action is not a step
        return self._rank(world, me, clause)

    def _read(self, world: World, me: CharacterState | None, text: str, line: Line, referents: list[str]) -> Clause:
        index = _name_index(world)
        said = normalize(text)  # the whole clause, as the cue patterns read it
        # "hallveig's feet" names Hallveig, whatever else "hallveig's" names (her longhouse)
        hits = [_lookup(index, word) | (_lookup(index, word[:-2]) if word.endswith("'s") else set())
                for word in words(text)]
        named = {key for keys in hits if len(keys) == 1 for key in keys}
        for skill in [k for k in named if k in world.campaign.skills]:
            naming = {w for w in words(text) if skill in _lookup(index, w)}
            if naming and naming <= _other_action_words() and not said.count(normalize(world.campaign.skills[skill].name)):
                named.discard(skill)  # "fires from the hip" names no "Fan Fire": a word of attacking, not a name
            elif naming and not any(_whole_name_said(text, label) for label in labels_of(world, skill)) and all(
                    w in english_words() and w not in labels and (
                        w not in name_words(world, skill) or {"ADJ", "ADV"} & set(word_classes(w)))
                    for w in naming for labels in [{normalize(x) for x in labels_of(world, skill)}]):
                # "sniff the meat first" names no "First Aid", "it's the doctor" no "doctoring": an everyday
                # word of a longer name, or another form of it
                named.discard(skill)
        wanted: set[str] = set()  # skills whose words name a thing wanted
        for skill in [k for k in named if k in world.campaign.skills]:
            tokens = said.split()
            naming = [i for i, w in enumerate(tokens) if skill in _lookup(index, w)]
            if naming and all(set(tokens[max(0, i - 2):i]) & {"another", "second", "spare", "extra", "more"}
                              for i in naming):
                named.discard(skill)  # "I could use a second harpoon": a thing wanted, no Harpoon Cast
                wanted.add(skill)
                hits.append({skill})  # (still maybe meant: "throw a harpoon at the bear")
        qualifying: set[str] = set()  # items whose words only qualify another noun
        for item in [k for k in named if k in world.items]:
            naming = {w for w in words(text) if item in _lookup(index, w)}
            if not naming & _own_words(world, item):
                named.discard(item)  # "put it back" names no mirror "its back cast with cranes": looks only hint
            elif naming == set(said.split()[:1]) & _command_verbs():
                named.discard(item)  # "pick the padlock" names no ice axe with a pick: the verb that leads
            elif all(_modifies(said, w, set(index)) for w in naming):
                named.discard(item)  # "leans on the rope fence": a fence, of rope; no rope is handled
                qualifying.add(item)
            elif not _available(world, me, item) and all(_someones(said, w) for w in naming):
                named.discard(item)  # "shake his hand" with the hand lamp elsewhere: his hand, not our lamp
        for person in [k for k in named if k in world.characters]:
            naming = {w for w in words(text) if person in _lookup(index, w)}
            if naming and not naming & _own_words(world, person) and all(_features_named(world, w) for w in naming):
                named.discard(person)  # "crouches by the bunk lockers": the lockers, not the man cuffed to a bunk
        for owner in _owners_only(world, text, index, named) if not _SET_BEFORE.search(said) else ():
            named.discard(owner)  # "flip through izzy's register", "while izzy's back is turned": his things
        maybe = {key for keys in hits for key in keys} - named - qualifying  # (an owner may be meant: "her arm")
        effect = self._skill_by_effect(world, me, text, index)
        if effect is not None and effect not in wanted:
            # "wrap myself in a shield of light": the ward, though "shield" is a word of the Shield-Bash too
            told = words(world.campaign.skills[effect].description)
            for skill in [k for k in named if k in world.campaign.skills and k != effect]:
                if {w for w in words(text) if skill in _lookup(index, w)} <= told:
                    named.discard(skill)
            if not named & set(world.campaign.skills):
                # ("study the wanted posters for a face I know" studies the posters: a thing here to attempt
                # on leaves the skill only a possible reading)
                (maybe if _features_named(world, text) else named).add(effect)
        maybe |= self._everyday_names(world, me, text, index) - named
        if me is not None:
            named.discard(me.key)
            maybe.discard(me.key)
        tokens = set(said.split())
        pronouns = {PRONOUNS[t] for t in tokens & set(PRONOUNS)}
        referred = [k for k in referents if _available(world, me, k)] if pronouns else []
        if pronouns == {"person"}:  # "she", "him": a someone, never the power cell just picked up
            referred = [k for k in referred if k in world.characters]
            others = [ch.key for ch in world.present() if (me is None or ch.key != me.key) and ch.alive]
            if not referred and len(others) == 1 and not line.emote and not line.speech:
                referred = others  # "ask him ..." with one other person here: him
        # a word of a name says no action: answering "Kepler's Rest" rests no one
        cues = cue_actions(" ".join("_" if t in line.proper else t for t in said.split()))
        if re.search(r"\b(give|gives|giving|gave|hand|hands|handing|lend|lending|pass|toss|offer|offering) (me|us)\b",
                     said):
            cues.discard(Action.give)  # "convince her to give me the codes" is no gift of ours
        if re.search(r"\b(take|takes|taking) (me|us)\b", said):
            cues.discard(Action.take)  # "take me as your apprentice" takes nothing
        if _INTO_HANDS.search(said):
            cues.add(Action.give)
        if line.speech and re.search(r"(^|[.!?]\s+)(here|here you are|take it|for you)[.!]*$", line.speech.lower().strip()) and (
                named & set(world.items)):
            cues.add(Action.give)  # "... You look like you're running on fumes. Here." with the cell in hand
        if (Action.drop in cues or _LAID.search(said)) and _SET_BEFORE.search(said) and any(
                k in world.characters for k in named | {k for keys in hits for k in keys} | set(referred)):
            cues = cues - {Action.drop} | {Action.give}
        if re.search(r"\b(rest|rests|rested|resting) (a|an|the|his|her|my|their|one|both) (?!(while|bit|moment|minute|"
                     r"second|few|little|spell|hour|night|day)\b)", said):
            cues.discard(Action.rest)  # "rests a gloved hand on the post" puts a hand somewhere; nobody sleeps
        tried = _GIVE_IT_A.search(said)
        if tried and not _lookup(index, tried.group("what")) & set(world.items):
            cues.discard(Action.give)  # "gives it a sniff", "give the door a kick": a try, not a gift
        if Action.take in cues and not cue_actions(_GET_SOMEWHERE.sub(" ", said)) & {Action.take}:
            cues.discard(Action.take)  # "get behind it", "get closer": getting somewhere takes nothing
        if Action.recruit in cues and not any(ch.kind is CharacterKind.companion for ch in world.present()) and (
                not _COME_ALONG.search(said) or named & set(world.items)):
            # "can you help us?" asks the headman for help, not to join; "let's go" with no one to join goes
            cues = cues - {Action.recruit} | cue_actions(text, but=frozenset({Action.recruit}))
        bidden = _BIDDEN.search(said)
        if bidden and not cue_actions(said[:bidden.end()]) & {Action.give, Action.drop, Action.take}:
            # "yell at cobb to throw down his guns": what he is told to do with his things is no handling of ours
            cues -= {Action.give, Action.drop, Action.take} - cue_actions(said[:bidden.end()])
        thrown = _THROWN.search(said)
        what = next((w for w in said[thrown.end():].split() if w not in _DETERMINERS), "") if thrown else ""
        if thrown and "NOUN" in word_classes(what) and not {"ADJ", "ADV"} & set(word_classes(what)) and not any(
                k in world.items and world.items[k].holder == getattr(me, "key", None) or
                k in world.campaign.skills and me is not None and world.knows_skill(me.key, k)
                for k in _lookup(index, what)):
            thrown = None  # "throw a harpoon at it" with none to throw: no blow either
        if Action.give in cues and enemies_here(world, me) and thrown and not re.search(
                r"\bto (throw|toss|hurl|fling|lob)\b|\b(throw|throws|toss|tosses) (down|away)\b", said) and not re.search(
                r"\b(to|for) (him|her|them|the|my|our)\b", said) and not cue_actions(
                _THROWN.sub(" ", said)) & {Action.give}:
            cues = cues - {Action.give} | {Action.attack}  # "throw a harpoon at the bear", "throw low": a blow, no gift
        if re.search(r"\b(could|can|would|id|i'd) use (a|an|some|another|the|more|your)\b", said):
            cues.discard(Action.use_skill)  # "I could use the company": a want, no skill used
        if Action.use_skill in cues and not _own_skills(world, me) and _teachers_here(world, me):
            # "I want whatever magic this lady knows": no skill of one's own to use, someone here teaches one
            cues = cues - {Action.use_skill} | {Action.learn}
        if Action.learn in cues and not _teachers_here(world, me) and not named & set(world.characters):
            cues.discard(Action.learn)  # "study the ice for thin spots" with no one to study under: no lesson
        if Action.drop in cues and re.search(r"\bdrop", said) and not re.search(
                r"\bdrop(s|ped|ping)?\b(?! (down )?(to|into|onto|in|on|at)\b)", said):
            cues.discard(Action.drop)  # "drops to one knee", "drops into a crouch": the body goes down, nothing held
        if re.match(r"(wait|hold on|hang on)\b[ ,!.]*(what|how|why|who|where|when|is|are|do|does|did|can|so)\b",
                    said):
            cues.discard(Action.wait)  # "wait what happens if I die here": a startled question, no waiting
        waited = re.search(r"\b(wait|waits|waiting|waited) (for|until|till)\b", said)
        if waited and Action.wait in cues:  # "wait for the wind to drop": what is awaited is no deed of ours
            cues = cue_actions(said[:waited.end()]) | {Action.wait}
        if _WILL_YOU.match(said) and line.question and not cues - {Action.talk, Action.move} and (
                (joinable := _joinable(world)) and (set(joinable) & named or len(joinable) == 1)):
            cues.add(Action.recruit)  # "zanetto, will you row for me tonight?" asks him along
        if cues & {Action.recruit, Action.learn, Action.give}:
            cues.discard(Action.talk)  # "ask the wolf to come with me" is the request, not small talk
        if _YOU_ASKED.match(said) and line.question:
            # "do you know where the wolf sleeps?" is about the listener, not resting; asking them for something
            # (to teach, to come along) is still that request
            cues = (cues & {Action.learn, Action.recruit, Action.give}) or {Action.talk}
        if _TRIED_ON.search(said) and any(k in world.campaign.skills for k in referents[:2]) and (
                _own_skills(world, me)):
            cues.add(Action.use_skill)  # "try it on him", just after learning it: the skill, used on him
        if line.question and _WHAT_TAUGHT.match(said):
            cues = cues - {Action.learn} | {Action.talk}  # "what can you teach me?" asks what; it asks for nothing yet
        taught = _TAUGHT.search(said)
        if taught and taught.group("whom") not in ("me", "us") and not line.emote:
            taught = None  # "the way the star-reader showed her" tells of the player's own character in prose only
        if taught and me is not None:  # "the trick okafor showed me", "light like maud taught me": what they taught
            teachers = {k for w in words(taught.group("who")) for k in _lookup(index, w) if k in world.characters}
            mine = {s for t in teachers for s in world.spec(t).teaches if world.knows_skill(me.key, s)}
            if len(mine) > 1 and enemies_here(world, me):  # in a fight, what was taught for one
                mine = {s for s in mine if world.campaign.skills[s].damage}
            if len(mine) == 1:
                named |= mine
                cues -= {Action.learn, Action.talk}
        skills = {k for k in named if k in world.campaign.skills and me is not None and world.knows_skill(me.key, k)}
        alone = not any(ch.alive and ch.disposition != "hostile" for ch in others_here(world, me))
        if skills and not cues & {Action.learn, Action.recruit, Action.give} and (
                Action.talk not in cues or alone):
            # naming a skill of one's own is using it ("the surge thing she showed me", "calls the sunfire down
            # on the troll": with no one to hear, words of speech are the skill's invocation)
            cues.discard(Action.talk)
            cues.add(Action.use_skill)
        if Action.recruit in cues and not (named & set(world.campaign.locations)) and not (
                set(said.split()) & (COMPASS | {"up", "down"})):
            cues.discard(Action.move)  # "come on, let's go" asks someone along
        attempt = text
        if Action.attack in cues and enemies_here(world, me):  # "keeps hacking at the oni" strikes it
            for cue in (c for c in REGISTRY[Action.attack].cues if " " in c):
                attempt = re.sub(rf"\b{re.escape(cue.split()[0])}\w* {re.escape(cue.split(maxsplit=1)[1])}\b",
                                 " ", attempt)
        # what is said to someone ("read this before you drink") is no attempt of one's own
        attempt = _without_speech(attempt, line.speech)
        approach = approach_of(attempt) or next((verb for _, feature in world.features_here() for verb in feature.checks
                                               if _has(normalize(attempt), verb.replace("-", " "))), None)
        persuaded = _PERSUADED.search(said)
        if persuaded and approach not in _SOCIAL:
            approach = "persuade"  # "talk the AI out of dropping the station", "talk her into it"
        if approach in _SOCIAL and not cues & {Action.learn, Action.recruit} and any(
                k in world.characters and k != getattr(me, "key", None) and _available(world, me, k) and
                world.characters[k].kind is not CharacterKind.pc for k in [*named, *referred[:1]]):
            # "convince her to trust us, we need that drone intel": the attempt is on her; what it is for is no
            # deed (nor skill) of ours
            cues = set()
            named = {k for k in named if k not in world.campaign.skills or any(
                _whole_name_said(text, label) for label in labels_of(world, k))}
        return Clause(text, named, maybe, referred, cues, approach, line,
                      self._unknown_object(world, me, text, cues, index),
                      self._stranger(world, me, text, index) if Action.talk in cues else None)

    def _stranger(self, world: World, me: CharacterState | None, text: str, index: dict[str, set[str]]
                  ) -> str | None:
        """The one spoken to, right after a verb of speaking, when the word is no one known here or in the story
        and no everyday word for anyone here: "say hi to the guard" with no guard."""
        said = normalize(text).split()
        for m in _ADDRESS.finditer(normalize(text)):
            at = len(normalize(text)[:m.start("whom")].split())
            phrase = []  # "the bearded man holding the staff": bearded man
            for word in said[at:at + 3]:
                if word in STOP | _OBJECT_STOP or _ABOUT.match(word):
                    break
                phrase.append(word)
            head = phrase[-1] if phrase else None  # the one meant: "the village guard" is a guard
            if head is None or any(w in set(PRONOUNS) | {"you", "me", "us", "them", "yourself"} or w in _action_words()
                                   for w in phrase) or set(phrase) & (_SOMEONE | _ANY_THING) or any(
                    k in world.characters for w in phrase for k in _lookup(index, w)) or head in index or (
                    self._everyday_links(world, me, head, index).get(head) in world.characters):
                continue
            return head
        return None

    def _unknown_object(self, world: World, me: CharacterState | None, text: str, cues: set[Action],
                        index: dict[str, set[str]]) -> str | None:
        """The head word of what is taken, dropped or given, when it names nothing known here or in the story
        ("take the kettle", "give tomas the troll's head"): then no candidate of that action is what the player
        said. (Someone spoken to who is no one is :meth:`_stranger`.)"""
        said = normalize(text).split()
        asked = _LEARN_WHAT.search(normalize(text)) if Action.learn in cues else None
        if asked:  # "learn fireball from nasreen": a skill no one here has
            what = [w for w in asked.group("what").split() if w not in _OBJECT_STOP]  # "ok teach me then"
            if what and not any(w in PRONOUNS or w in _ANY_THING or w in _SKILL_WORDS or _lookup(index, w)
                                or "VERB" in word_classes(w) for w in what):
                return what[-1]
        for action in (Action.take, Action.drop, Action.give) if cues else ():
            if action not in cues:
                continue
            for cue in REGISTRY[action].cues:
                at = _phrase_at(said, cue.split())
                if at is None:
                    continue
                phrase = _object_phrase(said[at + len(cue.split()):], index, world)
                if not phrase or action is Action.give and _FEED.search(normalize(text)):
                    return None
                rest = said[at + len(cue.split()):]
                start = next((i for i, w in enumerate(rest) if w.removesuffix("'s") == phrase[0]), 0)
                # after "the" or an owner it is a noun ("the troll's head" heads nowhere)
                nominal = start > 0 and (rest[start - 1] in _DETERMINERS or rest[start - 1].endswith("'s") or bool(
                    _lookup(index, rest[start - 1])))
                for word in phrase:  # any word of it naming something known will do: "the fish hanging there"
                    if word in PRONOUNS or word in _ANY_THING or word in _SOMEONE or (
                            word in _action_words() and not nominal):
                        return None
                    if _names_something(world, index, word):
                        return None
                if self._everyday_links(world, me, " ".join(phrase), index):
                    return None
                return phrase[-1]
        return self._unknown_attempted(world, me, text, index)

    def _unknown_attempted(self, world: World, me: CharacterState | None, text: str,
                           index: dict[str, set[str]]) -> str | None:
        """The head word of what an attempt is made on ("search the sledge", "force the hatch") when it is
        nothing here: no name of the story, no feature, nothing the place's description tells of."""
        said = normalize(text).split()
        approach = approach_of(normalize(text))
        if approach not in ("search", "force", "pick", "read", "climb"):
            return None
        here = world.campaign.locations[world.party_location]
        scenery = {_singular(w) for w in words(f"{here.name} {here.description or ''} {' '.join(here.aliases)}")}
        for cue in APPROACHES[approach]:
            at = _phrase_at(said, cue.split())
            if at is None:
                continue
            phrase = _object_phrase(said[at + len(cue.split()):], index, world)
            if not phrase:
                return None
            # any word of the clause naming something here will do: "the base of the stone lanterns", "dive
            # into the pool and feel around the bottom"
            for word in (w.removesuffix("'s") for w in said):
                if word in _OBJECT_STOP or word in _action_words():
                    continue
                if word in PRONOUNS or word in _ANY_THING or word in _SOMEONE or (
                        _singular(word) in scenery or _names_something(world, index, word)):
                    return None
            if self._everyday_links(world, me, " ".join(phrase), index):
                return None
            return phrase[-1]
        return None

    def _everyday_names(self, world: World, me: CharacterState | None, text: str, index: dict[str, set[str]]
                        ) -> set[str]:
        """The things at hand that words the campaign never wrote may stand for ("the wolf" for a wolfhound):
        see :mod:`gm.agent.lexicon`."""
        return set(self._everyday_links(world, me, text, index).values())

    def _everyday_links(self, world: World, me: CharacterState | None, text: str, index: dict[str, set[str]]
                        ) -> dict[str, str]:
        """Each word of ``text`` the campaign never wrote that stands for one thing at hand, to that thing."""
        said = {w.removesuffix("'s").strip("'") for w in words(text)}  # "your rock's back": the rock
        unknown = said - set(index) - _action_words() - COMPASS - set(PRONOUNS)
        if not unknown:
            return {}
        things = {k: _distinct_words(world, k) for k in [*world.characters, *world.items, *world.entities]
                  if _available(world, me, k) and (me is None or k != me.key)}
        return self.lexicon.stands_for(unknown, things)

    def _skill_by_effect(self, world: World, me: CharacterState | None, text: str, index: dict[str, set[str]]
                         ) -> str | None:
        """The one skill at hand (one's own, or one a teacher here teaches) that words of what it does point
        to: "heal Astrid" is the Mending Galdr, "a shield of light" the ward that wraps its bearer in one. Each
        skill's words are its name, aliases and description (campaign data); a word links to a skill the way an
        everyday word links to a thing (:mod:`gm.agent.lexicon`), and words of another thing here link nothing."""
        if me is None:
            return None
        pool = {s for (who, s) in world.skills if who == me.key} | {
            s for t in _teachers_here(world, me) for s in world.spec(t.key).teaches}
        if not pool:
            return None
        skills = world.campaign.skills
        if any(_lookup(index, w) & set(world.exits().values()) for w in words(text)):
            return None  # a place one can go to is where the words go: "follow the trail out to the mine"
        # words naming a place, or a person or thing at hand: "the clockwork arm" names no brass hound three
        # decks down, but "follow the trail out to the mine" goes to the mine
        at_hand = {c.key for c in world.present()} | {i.key for i in world.items_at()} | {
            i.key for c in world.party() for i in world.inventory(c.key)} | {e.key for e in world.entities_at()} | set(
            world.campaign.locations)
        others = {w for w, keys in index.items() if keys & at_hand}
        told = {k: ws - others for k, ws in _skill_words(world.campaign).items()}
        said = {w.removesuffix("'s").strip("'") for w in words(text)} - STOP - others - COMPASS - set(
            PRONOUNS) - _SKILL_WORDS
        # another form of a skill's word ("heal": "healing", "howl": "war-howl"), never a verb of attacking
        # leading the clause ("fires from the hip" is a blow, whatever Fan the Hammer "fires"), nor a word that
        # only resembles one ("campfire")
        parts = {p for ws in told.values() for w in ws for p in (w, *w.split("-"))}
        lead = next((t for t in normalize(text).split() if t not in _FILLERS | {"i", "we", "and", "then"}), "")
        blows = {w for cue in (*REGISTRY[Action.attack].verbs, *REGISTRY[Action.attack].cues) for w in cue.split()}
        said = {w for w in said if not (w == lead and {w, *_forms(w)} & blows) and any(
            w == p or len(p) >= 4 and w[:4] == p[:4] or {p, *_forms(p)} & set(_forms(w)) for p in parts)}
        # a word of a skill's name was weighed as a name already ("it's the doctor" names no Doctoring); it
        # counts here only as a word of what the skill does ("heal": "a healing song")
        said = {w for w in said if not (named := _lookup(index, w) & set(skills)) or any(
            w[:4] == d[:4] for k in named for d in words(skills[k].description) if len(d) >= 4)}
        # against every skill, so a word two skills share links none; only another form of a word of theirs
        linked = self.skill_lexicon.stands_for(said, told)
        found = set(linked.values())
        if len(found) != 1 or not found <= pool:
            return None
        # and the line as a whole is nearest that skill: "step light and silent" is the Wolf-Step, whatever
        # "light" is a word of
        query = self._query(normalize(text))
        near = {k: float((self._vectors(_skill_texts(world, k, list(skills))) @ query).max()) for k in skills}
        best = max(near, key=near.get)
        return best if best in found else None

    def _direction(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """A direction or a destination named with going: move there, or say there is no such way."""
        here = world.campaign.locations[world.party_location]
        ways = world.exits()  # the campaign's exits and the hidden ones opened in play
        words_ = _unsaid(c)  # "steps up to the counter. "What news from the mountain?"" goes to no mountain
        looked = " ".join(_LOOKED_TOWARD.sub(" ", words_).split())
        if looked != words_:  # "... and see what's out west" goes not west; "look west" goes nowhere
            if not looked:
                return None
            words_ = looked
        tokens = words_.split()
        if _WH.match(words_) or _asked(world, c):
            return None  # "how do I get to the chapel?", "what's north of here?" ask; they don't go
        direction = next((DIRECTIONS.get(t, t) for t in tokens if t in COMPASS), None)
        if direction is None and (Action.move in c.cues or len(tokens) <= 2):
            # a campaign's own way names ("aft", "below", "out"): going that way
            own = [d for d in ways if d not in COMPASS and re.search(rf"\b{re.escape(normalize(d))}\b", words_)]
            direction = own[0] if len(own) == 1 and own[0] not in ("up", "down") else None
        m = _MOTION_BEFORE.search(words_)
        if m and m.group(1) == "back" and c.cues & {Action.drop, Action.give, Action.take}:
            m = None  # "put it back down" sets a thing down; nobody goes down
        if direction is None and m and c.approach not in ("sneak", "hide"):
            direction = m.group("dir")
        going = (Action.move in c.cues or len(tokens) <= 2 or (m is not None and direction == m.group("dir"))
                 or not c.cues or _takes_a_way(world, me, c))  # "*sets off north*": a direction and no other action
        # (following tracks a way is going that way: "follows the sledge tracks south")
        if direction is not None and going and (c.approach in (None, "climb") or (
                c.approach == "track" and Action.move in c.cues)):
            if direction in ways:
                return Interpretation("action", intent=Intent(action=Action.move, target=direction), via="embedding")
            if c.approach is None:
                return Interpretation("clarify", clarification=f"There's no way {direction} from here. "
                                                               f"{exits_text(world)}", via="rules")
        onward = self._onward(world, c, ways)
        if onward is not None:
            return onward
        go = _GO_TO.search(words_)
        if go is not None and c.approach == "climb" and go.group(4) == "onto":
            go = None  # "climb onto the roof of the store" climbs something here
        if go is None:
            return self._to_see(world, c, ways) or self._toward_a_named_place(world, me, c, ways) or \
                _along_what_leads(world, me, c, ways)
        place = set(words(go.group("place")))
        places = [key for key in world.campaign.locations if place & _distinct_words(world, key)]
        if not places:
            return self._to_see(world, c, ways) or self._nowhere(world, c, go, place)
        exits = [d for d, loc in ways.items() if loc in places]
        if exits:
            return Interpretation("action", intent=Intent(action=Action.move, target=exits[0]), via="embedding")
        if world.party_location in places:
            return Interpretation("clarify", clarification=f"You are already at the {here.name}. "
                                                           f"{exits_text(world)}", via="rules")
        name = world.campaign.locations[places[0]].name
        return Interpretation("clarify", clarification=f"The {name} is not reachable from here. {exits_text(world)}",
                              via="rules")

    @staticmethod
    def _onward(world: World, c: Clause, ways: dict[str, str]) -> Interpretation | None:
        """Going on without saying where ("cross the bridge" standing on it, "keep going", "press on"): the one
        way here that does not lead back where the party came from. Never with a place or a direction named,
        nor an attempt ("sneak across" is a check)."""
        if c.approach is not None or c.line.question or not _ONWARD.search(normalize(c.text)):
            return None
        if Action.move not in c.cues and not re.search(r"\bcross", normalize(c.text)):
            return None  # "teleport to the other side" is no going
        if c.cues - {Action.move} or (c.named | c.maybe) - {world.party_location}:
            return None
        ahead = [d for d, loc in ways.items() if loc != world.previous_location]
        if world.previous_location is None or len(ahead) != 1 or len(ways) < 2:
            return None
        return Interpretation("action", intent=Intent(action=Action.move, target=ahead[0]), via="embedding")

    @staticmethod
    def _to_see(world: World, c: Clause, ways: dict[str, str]) -> Interpretation | None:
        """Going to see someone, or to find a place, next door ("off to see the sheriff", "let's find the bar"):
        the way to where they are. Never a question, and never someone here."""
        visit = _VISIT.search(normalize(c.text))
        if c.line.question or visit is None:
            return None
        tail = normalize(c.text)[visit.end():]  # what is gone to: "I could use a drink, let's find the bar"
        if cue_actions(tail) - {Action.move, Action.talk, Action.look}:
            return None
        index = _name_index(world)
        hits = [index.get(w, set()) for w in words(tail)]
        named = {k for keys in hits if len(keys) == 1 for k in keys}
        if any(k in world.characters and world.characters[k].location == world.party_location for k in named):
            return None  # "wander over to the old man": he is here
        where = {world.characters[k].location for k in named if k in world.characters} | (
            named & set(world.campaign.locations))
        if world.party_location in where:
            return None
        exits = [d for d, loc in ways.items() if loc in where]
        if len(exits) != 1:
            return None
        return Interpretation("action", intent=Intent(action=Action.move, target=exits[0]), via="embedding")

    @staticmethod
    def _nowhere(world: World, c: Clause, go: re.Match, place: set[str]) -> Interpretation | None:
        """"go to the chapel" where the words name no place, no one and nothing known: there is no way there,
        which the player hears with the exits; never the one exit the ranking likes best."""
        if c.cues - {Action.move} or c.approach or go.group(1) in ("get", "step", "come") or place & _action_words():
            return None  # "get in his face", "go to sleep", "step up to the counter": not a destination
        if c.line.speech:
            return None  # "steps up to the counter. "Any news?"": what is said is what is done
        if any(place & _distinct_words(world, k) for k in _nameable(world)) or any(
                place & name_words(world, k) for k, _ in world.features_here()):
            return None
        said = " ".join(w for w in normalize(go.group("place")).split() if w not in STOP)
        return Interpretation("clarify", clarification=f"There's no way to {said or 'there'} from here. "
                                                       f"{exits_text(world)}", via="rules")

    def _bare_name(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """A line that only names one thing ("bar", "the papers", "doc") asks for what can be done with it
        here: a place next to this one is gone to, a thing lying here is taken, a person here is spoken to.
        Anything else named bare (a thing held, a skill) is left to the ranking."""
        content = words(c.text) - _FILLERS
        if c.cues or c.approach or not content or len(content) > 2 or c.line.ooc:
            return None
        exact = resolve_name(world, " ".join(content))  # "stable" is the Livery Stable, not the stable hand
        named = {exact} if exact else c.named or c.maybe
        if len(named) != 1:
            return None
        key = next(iter(named))
        links = self._everyday_links(world, me, c.text, _name_index(world))
        if not exact and any(links.get(w) != key for w in content - name_words(world, key)):
            return None  # "the dark hut": more than a name ("doc" for a doctor is the lexicon's possible reading)
        if key in world.campaign.locations:
            exits = [d for d, loc in world.exits().items() if loc == key]
            return Interpretation("action", intent=Intent(action=Action.move, target=exits[0]),
                                  via="embedding") if len(exits) == 1 else None
        if key in world.items and world.items[key].location == world.party_location:
            return Interpretation("action", intent=Intent(action=Action.take, item=key), via="embedding")
        if key in world.characters and _available(world, me, key) and world.characters[key].alive and (
                world.characters[key].disposition != "hostile"):
            return Interpretation("action", intent=Intent(action=Action.talk, target=key, text=c.line.text),
                                  via="embedding")
        return None

    def _toward_a_named_place(self, world: World, me: CharacterState | None, c: Clause,
                              ways: dict[str, str]) -> Interpretation | None:
        """Climbing toward a place an exit leads to ("climb the steps up to the shrine"), or words of going
        to one with no other action in them ("on to the harbor"): going there. Never a question, and never a
        climb of something here that the words name."""
        if c.line.question or c.line.speech:
            return None
        if c.approach == "climb":
            if self._check_target(world, me, c) is not None:
                return None
            places = (c.named | c.maybe) & set(world.campaign.locations)
        elif _takes_a_way(world, me, c) and not c.approach:  # "takes the stairs up toward the temple"
            places = (c.named | c.maybe) & set(world.campaign.locations)
        elif not (c.cues or c.approach):
            toward = _TOWARD.search(normalize(c.text))
            if toward is None:
                return None
            said = set(words(toward.group("place"))) - STOP
            places = {loc for loc in ways.values() if said & (set(words(world.campaign.locations[loc].name)) - STOP)}
        else:
            return None
        exits = [d for d, loc in ways.items() if loc in places and loc != world.party_location]
        if len(exits) != 1:
            return None
        return Interpretation("action", intent=Intent(action=Action.move, target=exits[0]), via="embedding")

    def _not_an_action(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """Words that tell the story instead of acting in it ("the troll is dead now", "I already know the
        ward") or that are said to the table ("(ooc) brb"): nothing happens, and the player hears why."""
        if c.line.ooc:
            return Interpretation("clarify", clarification="(Out of character, noted.) What does your character "
                                                           "do?", via="rules")
        words_ = normalize(c.text)
        index = _name_index(world)
        if c.line.speech and words_ and words_ in normalize(c.line.speech) and not _OUTCOME.search(words_):
            return None  # what is told aloud is said to someone ("the caravan is dying. Teach me a weapon")
        segments = [normalize(p) for p in re.split(r"[,;:]", c.line.text.lower()) if normalize(p)]
        for segment in (segments[1:] if len(segments) > 1 and normalize(c.text) in normalize(c.line.text) else []):
            if c.line.speech and segment in normalize(c.line.speech):
                continue  # told aloud, to someone
            if _told_of(world, me, segment, index) & set(world.characters):  # "ok we're done, kenji pays me"
                return Interpretation("clarify", clarification=_NARRATION, via="rules")
        words_ = _CHATTER.sub("", words_)  # "lmao this monk is so dramatic" tells of the monk
        possessed = frozenset(re.findall(r"([a-z]+)'s\b", c.line.text.lower().replace("’", "'")))
        beings = _told_of(world, me, words_, index, possessed)  # "cobb surrenders", "the old troll is dead"
        if not c.line.question and beings & (set(world.characters) | set(world.entities)):
            return Interpretation("clarify", clarification=_NARRATION, via="rules")
        if not c.line.question and not c.line.speech and "," not in c.line.text and _REMARKED.match(words_):
            return Interpretation("clarify", clarification="(Noted.) What does your character do?", via="rules")
        if _OUTCOME.search(words_):
            return Interpretation("clarify", clarification=_NARRATION, via="rules")
        if _CLAIM.match(words_):
            return Interpretation("clarify", clarification="The story remembers what happened in play. What does "
                                                           "your character do?", via="rules")
        return None

    def _open_action(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """Something attempted that no other action covers: a check with its approach, target and stat. An
        attempt that names a skill of one's own ("read sign" for a tracker) is using that skill."""
        if c.approach is None or c.cues & {Action.recruit, Action.learn, Action.give} or (
                c.unknown is not None and self._unknown_attempted(world, me, c.text, _name_index(world))):
            return None  # (an attempt on nothing here is answered: "There's no hatch here.")
        if me is not None and any(k in world.campaign.skills and world.knows_skill(me.key, k) for k in c.named):
            return None
        if me is not None and any(k in world.campaign.skills and world.knows_skill(me.key, k) for k in c.maybe) and (
                not any(c.approach in f.checks for _, f in world.features_here())):
            return None  # "study the ice for thin spots" knowing Reading the Ice, with nothing here to study so
        features = {w for k, _ in world.features_here() for w in name_words(world, k)}
        if any(k in world.items and not _available(world, me, k) and not name_words(world, k) & features & words(c.text)
               for k in c.named):
            return None  # "soothe okafor with my medkit" without one: the answer says there is none here
        if c.line.question and not _ASKS_TO_ACT.match(normalize(c.text)):
            return None  # "can the heart-stone be fixed?" asks about an attempt; "can I climb it?" makes one
        target = self._check_target(world, me, c)
        # the stat and difficulty are the judge's (gm.agent.checks), from the campaign's stat descriptions
        intent = Intent(action=Action.check, approach=c.approach, target=target, text=c.line.text)
        return Interpretation("action", intent=intent, via="embedding")

    def _check_target(self, world: World, me: CharacterState | None, c: Clause) -> str | None:
        """What the attempt is aimed at: a feature here the words name, else a character or item here."""
        features = _features_named(world, c.text)
        named = [k for k in sorted(c.named) if (k in world.characters or k in world.items) and _available(world, me, k)]
        if not named:  # "calm the dog": the one thing here an everyday word stands for
            maybe = [k for k in sorted(c.maybe) if (k in world.characters or k in world.items) and _available(world, me, k)]
            named = maybe if len(maybe) == 1 else []
        if features or named:
            # the one the words name most wholly, then first: "soothe the fox" is the fox, not the fox shrine;
            # "climb down the cliff to see what's under the bridge" climbs the cliff
            mentions = {k: _mention(world, c.text, k) for k in [*features, *named]}
            return min(mentions, key=lambda k: (-mentions[k][0], mentions[k][1], k not in features))
        if c.referred:
            return c.referred[0]
        # "sneak across" on the bridge: the one thing here the campaign lets be attempted that way, when the
        # words name no thing at all ("climb the muddy rise" is not the lantern post)
        if any(w not in _ATTEMPT_WORDS and w not in PRONOUNS and "ADV" not in word_classes(w) for w in words(c.text)):
            return None
        authored = [key for key, feature in world.features_here() if c.approach in feature.checks]
        return authored[0] if len(authored) == 1 else None

    def _asked_along(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """Asking someone here who is no companion to come along ("pruitt, come out on the ice with me"): the
        request is what the words say, and the rules answer it (he won't leave his galley). Only with no
        companion here, who could be the one asked."""
        if Action.recruit not in c.cues or any(ch.kind is CharacterKind.companion for ch in world.present()):
            return None
        people = [ch for ch in world.present() if (me is None or ch.key != me.key) and not ch.in_party and ch.alive]
        asked = [ch for ch in people if ch.key in c.named] or [ch for ch in people if ch.key in c.referred[:1]] or (
            people if len(people) == 1 else [])
        skills = {k for k in c.named if k in world.campaign.skills}
        if len(asked) != 1 or c.named & set(world.items) or c.cues - {Action.recruit, Action.talk, Action.move} - (
                set() if skills else {Action.use_skill}):  # "I could use the company" uses no skill
            return None
        return Interpretation("action", intent=Intent(action=Action.recruit, target=asked[0].key), via="embedding")

    def _remark(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation | None:
        """A question or remark with no other action in it is said to whoever is here; a gesture toward one
        person here (``*taps the drone's shell*``) greets them. Words that do something with a thing here
        ("slots the cell into the drone. "There you go."") are that action, not a remark."""
        # asking someone here about something is saying it: "tell me about the animals in the reeds" goes nowhere
        # ("ask maud about the troll" with Maud elsewhere is for no one here)
        if c.stranger is not None:
            return None  # spoken to someone who isn't anyone: the ranking's answer says so
        about = Action.talk in c.cues and bool(_ABOUT.search(normalize(c.text)))
        about = about and not _addressed_elsewhere(world, c)
        asking = _asked(world, c) is not None
        spoken = c.line.question or _said(c) or about or asking
        going = Action.move if c.named & set(world.campaign.locations) else None
        other = c.cues - {Action.talk, Action.wait} - ({Action.move} - {going})
        if c.line.emote and c.line.speech and c.line.speech.rstrip().endswith("?"):
            # "*rests a hand on the post, turns to the old man* "Who can help me?"": the poses are how it is
            # asked; only a request in the question itself is another action
            other = cue_actions(normalize(c.line.speech)) & {Action.learn, Action.recruit, Action.give}
        if asking and _OWN_WAY.match(normalize(c.text)):
            return Interpretation("action", intent=Intent(action=Action.look), via="embedding")  # the exits, the scene
        if asking:  # "why is the mech shooting at people?" asks about shooting
            other &= {Action.look, Action.learn, Action.recruit}
        things = {k for k in c.named if k in world.items and _available(world, me, k)}
        if things and not asking and Action.talk not in c.cues:
            return None
        people = [ch for ch in world.present() if (me is None or ch.key != me.key) and not ch.in_party
                  and ch.alive and ch.disposition != "hostile"]
        # a companion along is spoken to when named or pointed to ("*scratches her behind the ears*")
        along = [ch for ch in world.present() if ch.in_party and ch.alive and (me is None or ch.key != me.key)]
        listeners = c.named
        about_at = _ABOUT.search(normalize(c.text))
        if about_at:  # "ask him about the thief": he is asked; the thief is what about
            before = normalize(c.text)[:about_at.start()]
            listeners = {k for w in words(before) for k in _lookup(_name_index(world), w)} & c.named
            if not listeners and set(before.split()) & set(PRONOUNS):
                listeners = set(c.referred[:1])
        named = [ch for ch in people + along if ch.key in listeners] or [
            ch for ch in people + along if ch.key in c.referred[:1]]
        if not named and len(maybe := [ch for ch in people + along if ch.key in c.maybe and _described_as(
                world, c.text, ch.key)]) == 1:
            named = maybe  # "*touches the old man's hand*": the one person here the words describe
        if c.line.emote and not spoken and len(named) == 1 and not things:
            spoken = True  # a gesture: "*holds out a hand to the wolf*" gives nothing without a thing to give
            other -= {Action.give}
        if spoken and (len(named) == 1 or not named and len(people) == 1) and other & _ABOUT_SOMEONE:
            named = named or people
            # a question to one person is about what they can do: "could you help me fight the troll, Tomas?"
            # asks the headman, who can't join, rather than recruiting someone else
            theirs = {cand.intent.action for cand in scene_candidates(world, me) if cand.intent.target == named[0].key}
            other = {a for a in other if a not in _ABOUT_SOMEONE or a in theirs}
        foes = enemies_here(world, me)
        if spoken and not people and not named and len(foes) == 1 and (
                c.line.question or _asked(world, c)) and not other - {Action.attack}:
            # "who paid you to steal it, you dog?": asked of the one enemy, who answers with the rules' refusal
            return Interpretation("action", intent=Intent(action=Action.talk, target=foes[0].key,
                                                          text=c.line.speech or c.line.text), via="embedding")
        if not spoken or other:
            return None
        if len(named) == 1 or len(people) == 1:
            who = (named or people)[0]
        elif (knower := self.topics.who_knows(world, [ch.key for ch in people], c.line.speech or c.text)):
            who = world.characters[knower]  # a question to the room: the one who knows about it answers
        elif people:
            ranked = [cand for cand, _ in self._ranked(world, me, c) if cand.intent.action is Action.talk]
            if not ranked:
                return None
            who = world.characters[ranked[0].intent.target]
        else:
            return None
        intent = Intent(action=Action.talk, target=who.key, text=c.line.speech or c.line.text)
        return Interpretation("action", intent=intent, via="embedding")

    # --- ranking -----------------------------------------------------------------------------------

    def rank(self, world: World, text: str, actor: str | None = None) -> list[tuple[Candidate, float]]:
        """The scene's candidates for ``text`` by score, best first (contradicted candidates left out)."""
        me = acting_pc(world, actor)
        line = read_line(text, _own_names(world, me))
        clause = self._read(world, me, correct(line.text, vocabulary(world), _scene_names(world)), line,
                            list(world.referents))
        return self._ranked(world, me, clause)

    def _ranked(self, world: World, me: CharacterState | None, c: Clause) -> list[tuple[Candidate, float]]:
        options = scene_candidates(world, me)
        if not options:
            return []
        sims = self._vectors([p.lower() for o in options for p in o.phrasings]) @ self._query(c.text.lower())
        choices: dict[Action, tuple[set, set, set]] = {}
        for o in options:  # per action, the distinct targets, items and skills it could be about here
            targets, items, skills = choices.setdefault(o.intent.action, (set(), set(), set()))
            targets.add(o.intent.target)
            items.add(o.intent.item)
            skills.add(o.intent.skill)
        said = words(c.text)
        here = {k for k in c.named if (k in world.characters or k in world.items) and _available(world, me, k)}
        # a skill of one's own that the words name takes part too: "hit his arm with a jolt of current" is the
        # Galvanic Discharge, not a plain blow
        here |= {k for k in c.named if k in world.campaign.skills and me is not None and world.knows_skill(me.key, k)}
        scored, i = [], 0
        for cand in options:
            n = len(cand.phrasings)
            score = float(sims[i:i + n].max())
            i += n
            if not self._consistent(world, cand, c, choices) or _leaves_out_an_item(world, cand, c):
                continue
            action = cand.intent.action
            if cand.names and said & cand.names or set(cand.keys) & (set(c.referred[:2]) | c.named):
                score += self.name_bonus
            if action in c.cues:
                score += self.cue_bonus
            elif c.cues:
                score -= 2 * self.cue_bonus  # the words say another action
            # everything here the player named should take part: "toss the fish to the dog" is no drop (what is
            # not here, or what one talks about, is a subject, not a participant)
            # (a skill that does no harm is used on the one person named: they take part)
            takes_part = set(cand.keys) | ({k for k in here if k in world.characters} if action is Action.use_skill
                                           and not world.campaign.skills[cand.intent.skill].damage else set())
            if action is not Action.talk:
                score -= self.name_bonus * len(c.named & here - takes_part)
            scored.append((cand, score))
        return sorted(scored, key=lambda cs: -cs[1])

    @staticmethod
    def _consistent(world: World, cand: Candidate, c: Clause, choices: dict[Action, tuple[set, set, set]]) -> bool:
        """Whether the candidate agrees with what the player named: an action about something needs that
        something to be named, referred to, or the only one it could be."""
        intent, named = cand.intent, c.named
        meant = named | c.maybe | set(c.referred[:2])
        if c.stranger is not None and intent.action is Action.talk:
            return False  # "talk to the blacksmith" is no talk with the headman beside him
        if c.unknown is not None and intent.action in (Action.take, Action.drop, Action.give, Action.learn) and (
                intent.action in c.cues):
            return False  # "take the kettle" with no kettle to take is not the fish lying beside it
        if c.unknown is not None and intent.action not in c.cues:
            return False  # nor a search of the saddlebags: "take the golden saddle" takes, or is answered
        if intent.action not in (Action.talk, Action.look, Action.learn, Action.recruit) and _asked(world, c) and (
                not _ASKS_TO_ACT.match(normalize(c.text))):
            return False  # "what's left in here?", "where does this bay lead?" ask; they don't act
        if intent.action is Action.check and c.approach is None and intent.target not in (c.named | c.maybe) and (
                intent.target is None or not name_words(world, intent.target) & words(c.text)):
            return False  # an attempt the words neither tell nor aim: "fly to the top of the mountain"
        if intent.action is Action.check and c.approach is None and c.cues and c.cues <= {
                Action.take, Action.drop, Action.give, Action.wait, Action.rest}:
            return False  # "take the golden saddle" searches no saddlebags; "wait for the storm to pass" endures none
        targets, items, skills = choices[intent.action]
        # naming another thing of the same kind rules this one out: "take the heart-stone" is not the fish
        named_items = {k for k in named if k in world.items} - set(c.referred[:2])
        if intent.item is not None and named_items and intent.item not in named_items:
            return False
        named_people = {k for k in named if k in world.characters and _available(world, None, k)} - set(c.referred[:2])
        if intent.action in _ABOUT_SOMEONE and intent.target in world.characters and named_people and (
                intent.target not in named_people):
            return False
        if intent.action is Action.learn and Action.learn not in c.cues:
            return False  # learning changes the character for good: only when the words ask to be taught
        if intent.action is Action.rest and Action.rest not in c.cues:
            return False  # resting spends the time of day: only when the words say so ("*sighs*" rests no one)
        if intent.action is Action.drop and Action.drop not in c.cues and not _has(normalize(c.text), "leave"):
            return False  # putting something back somewhere, or naming one's weapon, is no drop
        # a gift the story waits for may go unsaid when the words say giving ("here you go, your rock's back")
        expected = Action.give in c.cues and (intent.item, intent.target) in wanted_gifts(world)
        if intent.action in (Action.take, Action.drop, Action.give) and intent.item not in meant:
            # "feed the wolf": feeding may leave the item unsaid (the ranking picks it), unless another is meant
            unsaid = not (meant & items) and (_FEED.search(normalize(c.text)) or expected)
            if not (intent.action is Action.give and unsaid) and len(items) > 1:
                return False
        if intent.action is Action.give and intent.item not in meant and not expected and not _FEED.search(
                normalize(c.text)):
            return False  # "hands open", "rests a gloved hand on the post": nothing is named, nothing is given
        if intent.action is Action.give and Action.give not in c.cues and not expected and not _FEED.search(
                normalize(c.text)) and intent.target not in named | c.maybe:
            # "jams the cutter into a junction, the trick okafor showed them": with no word of giving, a gift
            # goes only to someone the words name ("plugs the cell into the drone")
            return False
        if intent.action is Action.give:  # to the one person here only when the words say giving
            return intent.target in meant or (len(targets) == 1 and Action.give in c.cues) or (
                expected and not meant & targets)
        if intent.action is Action.move:
            places = named & set(world.campaign.locations) - {world.party_location}
            if places:
                return world.exits().get(intent.target) in places
            tokens = set(normalize(c.text).split())
            if not tokens & (COMPASS | {"up", "down", intent.target}) and any(
                    k in world.characters and world.characters[k].location == world.party_location
                    and not world.characters[k].in_party for k in named) and not _FLEE.search(normalize(c.text)):
                return False  # "wander over to the old man with the beard": he is here; no way is taken
            if c.cues & _HARM and not tokens & (COMPASS | {"up", "down", intent.target}) and not _FLEE.search(
                    normalize(c.text)):
                return False  # "go for its legs", "pip and i go at it": a fight is joined, no way is taken
            if len(targets) == 1:
                return True
            # no place named and several ways: going is all the words say, or "back" says which way
            only_going = Action.move in c.cues and not c.cues - {Action.move}
            if _BACK.search(normalize(c.text)):
                return only_going and world.exits().get(intent.target) == world.previous_location
            # words beside the going say where, and must be of that way: "head out onto the ice" is the way
            # to the ice field; "go fishing" or "go home" is no way here at all
            said = {_singular(w) for w in words(_unsaid(c)) if "NOUN" in word_classes(w) or (
                w.endswith("ing") and "VERB" in word_classes(w)) or w not in english_words()} - _action_words() - _ANY_THING - _SOMEONE - _FILLERS - {
                "side", "end", "edge", "distance", "far", "let", "lets", "let's", "gotta", "gonna", "wanna"}
            return only_going and (not said or intent.target in tokens or bool(said & _way_words(world, intent.target)))
        if intent.action is Action.use_skill and (named_skills := {k for k in named if k in world.campaign.skills}) \
                and intent.skill not in named_skills:
            return False  # "practice my thunder palm" is that skill, whatever else could be used here
        if intent.action is Action.use_skill and intent.skill not in meant and not (
                set(normalize(c.text).split()) & _SKILL_WORDS) and not (
                Action.use_skill in c.cues and len(skills) == 1 and not _object_named(c.text, world)):
            # "I cast fireball" names no skill of yours; "burn, you slug!" with one skill known uses it
            return False
        if intent.action is Action.talk and c.cues and Action.talk not in c.cues and not (
                c.line.question or c.line.speech or c.line.emote):
            return False  # "do the voice thing on the porter" does something to him; it is no small talk
        if intent.action is Action.talk and not c.cues and not (c.line.question or c.line.speech or c.line.emote) and (
                _does_something(c.text)) and not _asked(world, c) and not any(
                words(c.text) & _own_words(world, k) for k in set(cand.keys) & named & set(world.characters)):
            # "summon a second airship", "eat all the ramen for free": a deed no rule here does, told as one, is
            # no small talk with whoever stands near (done to someone named, "deal with the drone", it may be)
            return False
        if intent.action is Action.talk and c.line.emote and not (c.line.speech or c.line.question) and (
                Action.talk not in c.cues) and not set(cand.keys) & meant:
            # "*crouches by the lockers*", "*hums to herself*": a pose that says nothing to no one is no talk,
            # whoever stands near
            return False
        if intent.action is Action.talk and _addressed_elsewhere(world, c):
            return False  # "ask maud about the troll" with Maud elsewhere is for no one here
        if intent.action in (Action.talk, Action.recruit, Action.attack, Action.learn, Action.use_skill):
            return bool(set(cand.keys) & meant) or len(targets) == 1 or (
                intent.action is Action.attack and world.combat is not None and not named & set(world.characters))
        return True

    def _rank(self, world: World, me: CharacterState | None, c: Clause) -> Interpretation:
        ranked = self._ranked(world, me, c)
        top = [(cand.label, round(s, 3)) for cand, s in ranked[:3]]
        # (an attempt the words tell is what they say: "study the charts" with no one to study under reads them)
        unmet = c.cues and not any(cand.intent.action in c.cues or c.approach is not None and (
            cand.intent.approach == c.approach) for cand, _ in ranked)
        # an action the words name in everyday terms needs less likeness to its phrasings ("come with me, boy")
        floor = self.floor - self.cue_bonus / 2 if ranked and ranked[0][0].intent.action in c.cues else self.floor
        if ranked and c.cues == {ranked[0][0].intent.action} and c.cues <= {Action.wait, Action.look}:
            floor = 0.0  # "hunker down and wait for the wind to drop": all the words say is waiting, which changes nothing
        if not ranked or ranked[0][1] < floor or unmet:
            return Interpretation("clarify", clarification=self._unsure(world, me, c, ranked), via="embedding",
                                  candidates=top)
        if c.cues and c.cues <= HARMLESS_ACTIONS and ranked[0][0].intent.action not in c.cues | {Action.check}:
            # "raise my shield and wait for it to come to me": all the words do is wait, whatever they name
            ranked = [cs for cs in ranked if cs[0].intent.action in c.cues] + [
                cs for cs in ranked if cs[0].intent.action not in c.cues]
        best, score = ranked[0]
        unsaid = [(cand.label, cand.intent) for cand, _ in ranked if cand.intent.action is Action.give
                  and cand.intent.target == best.intent.target and cand.intent.item not in c.named | c.maybe]
        wanted = [(label, i) for label, i in unsaid if (i.item, i.target) in wanted_gifts(world)]
        if best.intent.action is Action.give and len(unsaid) > 1 and len(wanted) == 1:
            # the one gift the story waits for
            return Interpretation("action", intent=wanted[0][1], via="embedding", candidates=top)
        if best.intent.action is Action.give and len(unsaid) > 1 and _FEED.search(normalize(c.text)):
            # "feed the wolf": what is fed is food, if exactly one of the things in hand clearly is
            texts = [world.campaign.items[i.item].name for _, i in unsaid]
            food = self.lexicon.clearly_a(FOOD, texts)
            if food is not None:
                unsaid = [unsaid[food]]
                best = next(cand for cand, _ in ranked if cand.intent == unsaid[0][1])
        if best.intent.action is Action.give and len(unsaid) > 1:  # "feed the wolf" with two things: ask
            items = " or the ".join(world.items[i.item].name for _, i in unsaid)
            return Interpretation("clarify", clarification=f"What do you give {_label(world, best.intent.target)}: "
                                                           f"the {items}?", via="embedding", candidates=top,
                                  options=unsaid)
        if best.intent.action is Action.learn and best.intent.skill not in c.named | c.maybe | set(c.referred[:2]):
            # "teach me" from someone who teaches several things: which, unless the words clearly say
            rivals = [(cand.label, cand.intent) for cand, s in ranked if cand.intent.action is Action.learn
                      and cand.intent.target == best.intent.target and score - s < 2.5 * self.unnamed_margin]
            meant = self._likeliest_skill(world, c, [i.skill for _, i in rivals])
            if meant is not None:
                rivals = [(label, i) for label, i in rivals if i.skill == meant]
                best = next(cand for cand, _ in ranked if cand.intent == rivals[0][1])
            if len(rivals) > 1:
                names = " or the ".join(world.campaign.skills[i.skill].name for _, i in rivals)
                return Interpretation("clarify", clarification=f"What do you want to learn: the {names}?",
                                      via="embedding", candidates=top, options=rivals)
        if best.intent.action in _HARM and best.intent.target is not None and (
                foes := [ch.key for ch in enemies_here(world, me)]) and len(foes) > 1 and (
                best.intent.target not in c.named | c.maybe | set(c.referred[:2])):
            # several enemies and the words name none: the one their looks say ("the fat one": the bloated
            # draugr), else ask which; never the likeliest of them
            looks = self._by_looks(world, c, foes)
            pick = next((cand for cand, _ in ranked if cand.intent.action is best.intent.action
                         and cand.intent.skill == best.intent.skill and cand.intent.target == looks), None)
            if pick is None:
                rivals = [(cand.label, cand.intent) for cand, _ in ranked if cand.intent.action is best.intent.action
                          and cand.intent.skill == best.intent.skill and cand.intent.target in foes]
                names = " or ".join(_label(world, f) for f in foes)
                return Interpretation("clarify", clarification=f"Which one: {names}?", via="embedding",
                                      candidates=top, options=rivals)
            best = pick
        margin = score - ranked[1][1] if len(ranked) > 1 else 1.0
        close = [cand for cand, s in ranked[:3] if score - s < self.close]
        options = [(cand.label, cand.intent) for cand in close] if len(close) > 1 else []
        intent = best.intent
        if self.chooser is not None and (self.always_ask_model or margin < self.close):
            shortlist = [cand for cand, _ in ranked[:3]]
            pick = self.chooser(world, c.text, shortlist)
            if pick is not None:
                return Interpretation("action", intent=self._with_words(world, shortlist[pick].intent, c),
                                      via="model", candidates=top, options=options)
        return Interpretation("action", intent=self._with_words(world, intent, c), via="embedding", candidates=top,
                              options=options)

    def _by_looks(self, world: World, c: Clause, foes: list[str]) -> str | None:
        """The one of ``foes`` whose looks (the campaign's appearance text) a word of the clause stands for
        ("the gaunt one", "the fat one": bloated), else None."""
        looks = {k: {w for w in words(world.characters[k].appearance) if len(w) > 2} - STOP for k in foes}
        shared = set.intersection(*looks.values())  # "draugr" tells none of them apart
        found = set(self.lexicon.stands_for(words(c.text) - STOP, {k: v - shared for k, v in looks.items()}).values())
        return found.pop() if len(found) == 1 else None

    def _likeliest_skill(self, world: World, c: Clause, skills: list[str]) -> str | None:
        """Of several skills, the one whose own name and aliases the words are clearly nearest to, else None
        (always None for words that only ask to be taught: "teach me, please")."""
        asking = {w for a in (Action.learn, Action.talk) for cue in REGISTRY[a].cues for w in cue.split()}
        asked = words(c.text) - asking - set(PRONOUNS) - _SKILL_WORDS - {"please", "you", "your", "us", "we", "how",
                                                                          "could", "can", "would", "will", "want"}
        asked -= {w for k in c.named | c.maybe for w in name_words(world, k)}
        if len(skills) < 2 or not asked:
            return None
        query = self._query(" ".join(sorted(asked)))  # what is asked for, without "teach me"
        sims = np.array([float((self._vectors(_skill_texts(world, s, skills)) @ query).max()) for s in skills])
        order = np.argsort(-sims)
        return skills[order[0]] if sims[order[0]] - sims[order[1]] >= self.unnamed_margin else None

    def _with_words(self, world: World, intent: Intent, c: Clause) -> Intent:
        """Talking keeps the player's words; what they ask about is the topic picker's (gm.agent.conversation).
        A skill that does no harm is used on the one person the words name or point to ("recite the sutra over
        the old abbot", "try it on him")."""
        if intent.action is Action.use_skill and intent.target is None and intent.skill in world.campaign.skills \
                and not world.campaign.skills[intent.skill].damage:
            here = [k for k in world.characters if world.characters[k].location == world.party_location
                    and k != intent.actor]
            people = [k for k in here if k in c.named] or [k for k in here if k in c.maybe] or [
                k for k in c.referred[:2] if k in world.characters]
            return intent.model_copy(update={"target": people[0]}) if len(people) == 1 else intent
        if intent.action is not Action.talk or intent.target not in world.characters:
            return intent
        return intent.model_copy(update={"text": c.line.speech or c.line.text})

    def _unsure(self, world: World, me: CharacterState | None, c: Clause, ranked) -> str:
        """A clarification that says what is possible, for what the player seemed to want."""
        if c.stranger is not None:
            people = [ch.name for ch in others_here(world, me) if ch.alive]
            return f"There's no {c.stranger} here." + (f" Here: {', '.join(people)}." if people else "")
        if c.unknown is not None:
            here = [cand.label for cand in scene_candidates(world, me) if cand.intent.action in c.cues][:4]
            return f"There's no {c.unknown} here." + (f" You could {', or '.join(here)}." if here else "")
        missing = [k for k in c.named if not _available(world, me, k) and k not in world.campaign.locations]
        if missing:
            names = ", ".join(_label(world, k) for k in missing)
            here = [cand.label for cand in scene_candidates(world, me)
                    if cand.intent.action in c.cues][:4]
            return f"There's no {names} here." + (f" You could {', or '.join(here)}." if here else "")
        if ranked:
            options = " or ".join(cand.label for cand, _ in ranked[:2])
            return f"I'm not sure what you mean. Do you want to {options}?"
        return "I'm not sure what you mean. What does your character do?"


def _told_of(world: World, me: CharacterState | None, words_: str, index: dict[str, set[str]],
             possessed: frozenset[str] = frozenset()) -> set[str]:
    """Whom the words open by telling what they do or are ("kenji pays me", "the old troll is dead"): the ones
    (not the player's own character) that the whole subject names ("the old jail" is no one), else nothing."""
    for subject in (re.match(rf"^(the |a |an |my |this |that )?(?P<subject>[a-z0-9'-]+{more}) (?P<verb>[a-z]+)\b",
                             words_) for more in ("", " [a-z0-9'-]+")):
        if subject and _tells_of(subject.group("verb")) and not (
                subject.group("subject").endswith("'s") or subject.group("subject").split()[-1] in possessed):
            # ("the old woman's words still in her ears" tells of no deed of hers)
            said = words(subject.group("subject"))
            return {k for k in set.union(set(), *(index.get(w, set()) for w in said))
                    if said <= _distinct_words(world, k) and (me is None or k != me.key)}
    return set()


@lru_cache(maxsize=4096)
def _tells_of(word: str, relayed: bool = False) -> bool:
    """Whether ``word`` after a subject makes the line tell what someone does or is ("cobb surrenders", "the
    troll is dead", "maud teaches me"): a verb in its third-person or past form (lemminflect's lexicon).
    Verbs that relay what is said count only when ``relayed`` ("ned shivers and says he's fine")."""
    if word in {"is", "are", "was", "were", "has", "have", "had"}:
        return True
    return any(lemma != word and (relayed or lemma not in _RELAYED)
               for lemma in inflected_from(word, "VBZ") + inflected_from(word, "VBD"))


# verbs that tell what someone said, thinks or wants: relayed ("tomas, maud says hi"), not an outcome made up
_RELAYED = {"say", "tell", "ask", "want", "think", "know", "need", "wonder", "believe", "hope", "wish", "send",
            "mention", "warn", "claim", "swear", "promise", "seem", "look", "sound"}


def _leaves_out_an_item(world: World, cand: Candidate, c: Clause) -> bool:
    """Whether the words name an item (at hand or not) that this candidate has no part for, and nothing in
    them says the candidate's action: "I heal Okafor with my medkit" is no talk with Okafor, "put the stone
    back in the lantern" no climb of the lantern post. Weapons and tools in an attack or a skill are its
    instruments, and a question or words said aloud may be about an item."""
    action = cand.intent.action
    if action in c.cues or action in (Action.attack, Action.use_skill) or c.line.question or c.line.speech:
        return False
    return any(k in world.items and k not in cand.keys for k in c.named)


_SKILL_CUE = re.compile(r"\b(" + "|".join(REGISTRY[Action.use_skill].cues) + r")\w*\s+((the|a|an|my|some)\s+)?"
                        r"(?P<object>[a-z][a-z'-]*)")


def _object_named(text: str, world: World) -> bool:
    """Whether the word for using a skill has an object of its own ("cast fireball", "use the sunfire ward"):
    then the skill used is the one that object names, never the one skill the actor happens to know."""
    m = _SKILL_CUE.search(normalize(text))
    return m is not None and m.group("object") not in STOP | set(PRONOUNS) | _SKILL_WORDS | {
        "at", "on", "against", "down", "up", "out", "forth", "you", "now", "again"} | set(words(_skill_names(world)))


@per_campaign
def _skill_words(campaign: Campaign) -> dict[str, set[str]]:
    """Each skill's own words (name, aliases, description), less the words every skill shares ("skill",
    "the"): what :meth:`Grounder._skill_by_effect` links a line's words to."""
    return {k: {w for w in words(" ".join([s.name, *s.aliases, s.description])) if len(w) > 2} - STOP - _SKILL_WORDS
            for k, s in campaign.skills.items()}


def _skill_texts(world: World, key: str, among: list[str]) -> list[str]:
    """What a skill is, in the campaign's words: its names and description, what its stat is for (when no rival shares the stat),
    and whether it harms (when not every rival does)."""
    skills = world.campaign.skills
    skill = skills[key]
    texts = [skill.name, *skill.aliases, *([skill.description] if skill.description else [])]
    if sum(skills[s].stat == skill.stat for s in among) == 1:
        texts.append(world.campaign.rules.stat_descriptions.get(skill.stat, skill.stat))
    if skill.damage and not all(skills[s].damage for s in among):
        texts.append("an attack that hurts, burns, blasts or harms a foe")
    return [t.lower() for t in texts]


def _skill_names(world: World) -> str:
    return " ".join(name for skill in world.campaign.skills.values() for name in (skill.name, *skill.aliases))


def _merged(steps: list[Intent], world: World | None = None) -> list[Intent]:
    """A sequence without repeats, where talking to someone folds into the attempt made on them by talking."""
    if len(steps) > 1 and any(s.action is not Action.wait for s in steps):
        steps = [s for s in steps if s.action is not Action.wait]  # "hold up my hands and ...": a pose, no pause
    out: list[Intent] = []
    for step in steps:
        if out and out[-1] == step:
            continue
        if out and out[-1].action is Action.talk and step.action is Action.check and (
                out[-1].target in (step.target, None)):
            out[-1] = step  # "I get in his face and demand the truth": one intimidation
            continue
        if out and out[-1].action is Action.talk and step.action is Action.talk and out[-1].target == step.target:
            # "Evening, Tomas! Rough night?": one thing said to one person
            out[-1] = out[-1].model_copy(update={"text": " ".join(t for t in (out[-1].text, step.text) if t) or None})
            continue
        if out and out[-1].action is Action.talk and step.action is Action.use_skill and (
                step.target in (out[-1].target, None)):
            # ""Astrid, hold on!" *presses her palm to the wound and sings the mending song*": what is said to
            # her is how the skill is used on her
            harmless = world is not None and not world.campaign.skills[step.skill].damage if step.skill else False
            out[-1] = step.model_copy(update={"target": out[-1].target}) if harmless and step.target is None else step
            continue
        if out and out[-1].action is Action.check and step.action is Action.check and step.target in (
                None, out[-1].target):
            continue  # "dodge its cannons and get behind it": one attempt, told in two moves
        if out and out[-1].action is Action.check and out[-1].approach == "search" and step.action is Action.take:
            out[-1] = step  # "rifles through the desk and pockets the papers": what is seen is simply taken
            continue
        if out and out[-1].action is Action.check and out[-1].approach in _MANOEUVRES and step.action in _HARM:
            out[-1] = step  # "ducks behind a railing and fires at the mech": how the blow is struck
            continue
        if out and {out[-1].action, step.action} <= _HARM and out[-1].target == step.target:
            # "Burn, you slug! She thrusts her hand forward": one blow told twice (a fight gives one action a
            # turn); the skill named is the more particular telling
            out[-1] = out[-1] if out[-1].action is Action.use_skill else step
            continue
        out.append(step)
    return out


def vocabulary(world: World) -> set[str]:
    """The words typos are corrected towards: every name in the campaign and play, directions, action words."""
    found = set(COMPASS) | set(DIRECTIONS.values()) | {"up", "down"}
    for key in [*_nameable(world), *(k for k, _ in world.features_here())]:
        found |= name_words(world, key)
    for spec in ACTIONS:
        for cue in (*spec.verbs, *spec.cues):
            found |= set(cue.split())
    return {w for w in found if len(w) > 2 and w.isalpha()}


@lru_cache(maxsize=1)
def _action_words() -> frozenset[str]:
    """The words that say an action (the registry's verbs and cues, the open actions' approaches)."""
    found: set[str] = set()
    for spec in ACTIONS:
        for cue in (*spec.verbs, *spec.cues):
            found |= set(cue.split())
    for cues in APPROACHES.values():
        for cue in cues:
            found |= set(cue.split())
    return frozenset(found)


@lru_cache(maxsize=1)
def _other_action_words() -> frozenset[str]:
    """The words of the cues of every action but using a skill (which a skill's own name may share)."""
    skill = {w for cue in REGISTRY[Action.use_skill].cues for w in cue.split()}
    return frozenset({w for spec in ACTIONS for cue in spec.cues for w in cue.split()} - skill)


@lru_cache(maxsize=1)
def _command_verbs() -> frozenset[str]:
    """The words a command starts with: the first word of every action's verbs and cues, and of every approach."""
    found = {cue.split()[0] for spec in ACTIONS for cue in (*spec.verbs, *spec.cues)}
    found |= {cue.split()[0] for cues in APPROACHES.values() for cue in cues}
    return frozenset(found - STOP - set(PRONOUNS) - _DETERMINERS - {"here", "there", "what", "where", "hi", "hey",
                                                                     "hello", "for", "toward", "towards", "back"})


def _nameable(world: World) -> list[str]:
    return [*world.characters, *world.items, *world.campaign.skills, *world.campaign.locations, *world.entities]


def _name_index(world: World) -> dict[str, set[str]]:
    """Each word that names something to the ids it names."""
    index: dict[str, set[str]] = {}
    for key in _nameable(world):
        for word in _distinct_words(world, key):
            index.setdefault(word, set()).add(key)
    return index


def _lookup(index: dict[str, set[str]], word: str) -> set[str]:
    """What a word names: itself in the index, else one of its other forms ("track" names "Tracker's Eye" by
    "tracking", "reed" the "Reed Beds"), by lemminflect's English word forms."""
    found = index.get(word) or "-" in word and index.get(word.replace("-", ""))  # names are indexed joined
    if found:
        return found
    for form in _forms(word):
        if form in index:
            return index[form]
    return set()


@lru_cache(maxsize=8192)
def _forms(word: str) -> tuple[str, ...]:
    from lemminflect import getAllInflections, getAllLemmas

    lemmas = {lemma for pos in ("NOUN", "VERB") for lemma in getAllLemmas(word, pos).get(pos, ())}
    forms = set(lemmas)
    for lemma in lemmas:
        for inflected in getAllInflections(lemma).values():
            forms |= set(inflected)
    return tuple(sorted(forms - {word}))


def _distinct_words(world: World, key: str) -> set[str]:
    """Words that name ``key``, without words every name of its kind shares."""
    return name_words(world, key) - STOP


def _someones(said: str, word: str) -> bool:
    """Whether ``word`` stands only after another person's possessive in ``said`` ("his hand")."""
    tokens = said.split()
    at = [i for i, w in enumerate(tokens) if w == word]
    return bool(at) and all(i > 0 and tokens[i - 1] in ("his", "their", "your") for i in at)


def _available(world: World, me: CharacterState | None, key: str) -> bool:
    if key in world.characters:
        return world.characters[key].location == world.party_location
    if key in world.items:
        item = world.items[key]
        return item.location == world.party_location or (me is not None and item.holder == me.key) or (
            item.holder in world.characters and world.characters[item.holder].location == world.party_location)
    if key in world.entities:
        return world.entities[key].location == world.party_location
    if key in world.campaign.skills:
        return me is not None and (world.knows_skill(me.key, key) or any(
            key in world.spec(ch.key).teaches for ch in world.present()))
    return any(key == k for k, _ in world.features_here())


def _names_something(world: World, index: dict[str, set[str]], word: str) -> bool:
    """Whether a word the player typed names something of the story or a feature here, a joined word by
    its parts too ("the tallest sea-stack" is one of the sea-stacks)."""
    return bool(_lookup(index, word) or _features_named(world, word) or "-" in word and any(
        _lookup(index, part) for part in word.split("-") if len(part) > 2))


def _does_something(text: str) -> bool:
    """Whether the words tell a deed of one's own: they open with a verb in its plain form, after "I" or a
    filler ("eat all the ramen", "I instantly kill kovac", "ok try to bench press it")."""
    said = [w for w in normalize(text).split() if w not in ("i", "we", "ok", "okay", "so", "now", "just", "then")
            and "ADV" not in word_classes(w)]
    if said[:2] in (["try", "to"], ["going", "to"]) or said[:1] in (["gonna"], ["wanna"]):
        said = said[2:] if said[1:2] == ["to"] else said[1:]
    if said[1:2] and said[1] in ("his", "her", "their", "your"):
        return False  # done to a person's own hand or shoulder, it is a gesture: "shake his hand"
    return bool(said) and said[0] in word_classes(said[0]).get("VERB", ()) and said[0] not in _MODALS | _BE | {
        "let", "lets", "please", "thanks", "thank", "hello", "hi", "hey", "yes", "no", "sure", "wow"}


def _features_named(world: World, text: str) -> list[str]:
    """The features here the words name ("that ridge is huge"), for a pronoun later in the line ("up it")."""
    said = words(text) | {w[:-2] for w in words(text) if w.endswith("'s")}  # "the crocodile's jaws"
    said |= {_singular(w) for w in said}  # "the locker marked kovac" is one of the bunk lockers
    return [key for key, feature in world.features_here()
            if said & {f for w in words(" ".join([key.replace("-", " "), feature.name, *feature.aliases])) - STOP
                       for f in (w, _singular(w))}]


def _addressed_elsewhere(world: World, c: Clause) -> bool:
    """Whether the words speak to someone who is not here: the one named right after a verb of speaking
    ("ask maud ...", "tell the witch ..."), not one talked about ("ask about maud")."""
    said = {m.group("whom") for m in _ADDRESS.finditer(normalize(c.text))}
    for key, ch in world.characters.items():
        if ch.location != world.party_location and said & _proper_names(world, key):
            return True
    return False


def _after_verb(text: str) -> str:
    """The words after the clause's verb ("i steps up to the counter" -> "up to the counter")."""
    tokens = text.split()
    start = 1 if tokens[:1] in (["i"], ["we"]) else 0
    return " ".join(tokens[start + 1:]) if len(tokens) > start and word_classes(tokens[start]).get("VERB") else text


def _described_as(world: World, text: str, key: str) -> bool:
    """Whether two words in a row of ``text`` describe the character: as their looks do ("the blind hermit"), or
    a word of their name or looks before a word for a person ("the old man" for Old Umar, a blind old hermit),
    never one word that many things share ("herbs" for an herb witch)."""
    said = [w.removesuffix("'s") for w in normalize(text).replace("-", " ").split()]
    spec = world.spec(key)
    looks = normalize(descriptor(spec.appearance or "")).replace("-", " ").split()
    own = set(looks) | set(normalize(spec.name).split()) - STOP
    pairs = {tuple(looks[i:i + 2]) for i in range(len(looks) - 1)}
    return any(tuple(said[i:i + 2]) in pairs or said[i] in own and said[i + 1] in _PERSON_NOUNS
               for i in range(len(said) - 1))


_PERSON_NOUNS = {"man", "woman", "boy", "girl", "lady", "fellow", "guy", "gent", "gentleman", "kid", "person", "chap",
                 "lad", "lass", "one", "dude", "gal", "fella"}


def _joinable(world: World) -> list[str]:
    """The companions here who are not yet in the party."""
    return [ch.key for ch in world.present() if ch.kind is CharacterKind.companion and not ch.in_party]


def _without_speech(text: str, speech: str | None) -> str:
    """The words of ``text`` without what is said aloud in them: "" when they are all said."""
    text, said = normalize(text), normalize(speech or "")
    if not said:
        return text
    if text in said:
        return ""
    return " ".join(text.replace(said, " ").split())


def _unsaid(c: Clause) -> str:
    """The clause's words without what is said aloud in it, unless it is all said."""
    return _without_speech(c.text, c.line.speech) or normalize(c.text)


def _along_what_leads(world: World, me: CharacterState | None, c: Clause, ways: dict[str, str]
                      ) -> Interpretation | None:
    """Going along something the place's description says leads one way ("follow the sledge tracks", where
    "a trail of old sledge tracks runs south"): that way. Only when the words say going, name nothing here to
    act on, and what they follow is told of one way alone."""
    if Action.move not in c.cues or c.cues - {Action.move} or c.line.question:
        return None
    if any(_available(world, me, k) and k not in world.campaign.locations for k in c.named | c.maybe):
        return None  # ("wander over to the caravan master" goes to someone here)
    going = {w for cue in REGISTRY[Action.move].cues for w in cue.split()}
    followed = {_singular(w) for w in words(_after_verb(_unsaid(c)))} - going - COMPASS
    found = [d for d in ways if followed & _way_words(world, d) - set(ways) - words(d)]
    if len(found) != 1:
        return None
    return Interpretation("action", intent=Intent(action=Action.move, target=found[0]), via="embedding")


def _way_words(world: World, direction: str) -> set[str]:
    """The words that tell a way here: its direction, the names of where it leads, and what the place's
    description says lies that way."""
    found = {_singular(w) for w in words(direction) | name_words(world, world.exits()[direction])}
    description = world.campaign.locations[world.party_location].description or ""
    for told in map(normalize, re.split(r"[.;:!?]|, and\b", description.lower())):
        if {d for d in world.exits() if re.search(rf"\b{re.escape(normalize(d))}\b", told)} == {direction}:
            found |= {_singular(w) for w in words(told)}
    return found


def _takes_a_way(world: World, me: CharacterState | None, c: Clause) -> bool:
    """Whether "take" here takes a road, not a thing ("take the north road", "takes the stairs up"): the words
    of taking name no item at hand, and no other action."""
    return Action.take in c.cues and not c.cues - {Action.take, Action.move} and bool(
        re.search(r"\b(take|takes|took|taking) (the|a|that|this) ", normalize(c.text))) and not any(
        k in world.items and _available(world, me, k) for k in c.named | c.maybe)


def _mention(world: World, text: str, key: str) -> tuple[int, int]:
    """How wholly and how early ``text`` names ``key``: (the words of its longest name or alias said in a row,
    0 when only a word of it is; the position of the first word naming it). "the stone lanterns" names the
    Stone Lanterns wholly and the Red Paper Lantern by one word."""
    raw = normalize(text).replace("-", " ").split()
    tokens = [_singular(t) for t in raw]
    labels = [normalize(label).replace("-", " ").split() for label in [key.replace("-", " "), *labels_of(world, key)]]
    if key in (features := dict(world.features_here())):
        labels += [normalize(label).replace("-", " ").split() for label in [features[key].name, *features[key].aliases]]
    whole, first = 0, len(tokens)
    for label in labels:
        label = [_singular(t) for t in label if t not in ("the", "a", "an")] or label
        for i in range(len(tokens) - len(label) + 1):
            if tokens[i:i + len(label)] == label:
                whole, first = max(whole, len(label)), min(first, i)
    naming = name_words(world, key) - STOP
    first = min([first, *(i for i, (t, r) in enumerate(zip(tokens, raw)) if t in naming or r in naming)])
    return whole, first


def _owners_only(world: World, text: str, index: dict[str, set[str]], named: set[str]) -> set[str]:
    """The characters ``text`` names only as the owners of something ("izzy's register": a noun after the
    possessive; "izzy's lying" is "izzy is")."""
    tokens = normalize(text).split()
    owners = set()
    for key in [k for k in named if k in world.characters]:
        at = [i for i, t in enumerate(tokens) if key in _lookup(index, t.removesuffix("'s"))]
        if at and all(tokens[i].endswith("'s") and i + 1 < len(tokens) and not tokens[i + 1].endswith("ing") and
                      "NOUN" in word_classes(tokens[i + 1]) and tokens[i + 1] not in STOP for i in at):
            owners.add(key)
    return owners


def _modifies(text: str, word: str, names: set[str]) -> bool:
    """Whether ``word`` only qualifies the noun after it, which names nothing (``names``: the words that name
    things): "the rope fence" is a fence; "the rope" is the rope, and "feed the fish bramble" feeds it."""
    tokens = text.split()
    at = [i for i, t in enumerate(tokens) if t == word]
    return bool(at) and all(i + 1 < len(tokens) and tokens[i + 1] not in names and tokens[i + 1] not in (
        _OBJECT_STOP | _ANY_THING) and "NOUN" in word_classes(tokens[i + 1]) and not {"ADV", "ADP"} & set(
        word_classes(tokens[i + 1])) for i in at)  # ("put the stone back": back is no thing)


def _whole_name_said(text: str, label: str) -> bool:
    """Whether every word of a name is in the text ("give first aid"; "first" alone says no "First Aid")."""
    said = set(normalize(text).replace("-", " ").split())
    return bool(words(label)) and words(label) <= said | {_singular(w) for w in said}


@lru_cache(maxsize=8192)
def _singular(word: str) -> str:
    """"lanterns" -> "lantern": plural names match singular ones (lemminflect's noun lemma)."""
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word, "NOUN").get("NOUN", ())
    return lemmas[0] if lemmas else word


def _scene_names(world: World) -> set[str]:
    """Every word that names something in the campaign or a feature here: what a misspelt word may have meant."""
    return set(_name_index(world)) | {w for k, _ in world.features_here() for w in name_words(world, k)}


def _own_words(world: World, key: str) -> set[str]:
    """The words of a thing's id, name and aliases, with their other forms (not of its looks)."""
    labels = [key, *labels_of(world, key)]
    own = words(" ".join(label.replace("-", " ") for label in labels)) - STOP
    own |= {normalize(label).replace("-", "").replace(" ", "") for label in labels}  # "heartstone"
    return own | {f for w in own for f in _forms(w)}


def _proper_names(world: World, key: str) -> set[str]:
    """The words of a character's own name, aliases and id (not of its looks)."""
    spec = world.spec(key)
    return words(" ".join([key, spec.name, *spec.aliases])) - STOP


def _said(c: Clause) -> bool:
    """Whether the clause holds words said aloud (a line's quoted speech belongs to the clause it is in)."""
    if c.line.speech is None:
        return False
    speech = set(normalize(c.line.speech).split())
    return len(speech & set(normalize(c.text).split())) * 2 >= len(speech)


def _with_co_actors(world: World, text: str) -> str:
    """"bramble and i charge it", "me and pip go at it": a companion beside the player in the subject acts with
    them (on its own turn) and is no one spoken to; the line is the player's "i charge it"."""
    said = text.split()

    def companion(part: list[str]) -> bool:
        who = resolve_name(world, " ".join(part))
        return who in world.characters and world.characters[who].in_party

    for j, word in enumerate(said):
        if word != "and":
            continue
        for n in (1, 2, 3):  # the name is the words next to "and": "ok so bramble and me", "me and old bramble"
            if said[j + 1:j + 2] in (["i"], ["me"]) and j >= n and companion(said[j - n:j]):
                return " ".join([*said[:j - n], "i", *said[j + 2:]])
            if j and said[j - 1] in ("i", "me") and companion(said[j + 1:j + 1 + n]):
                return " ".join([*said[:j - 1], "i", *said[j + 1 + n:]])
    return text


_YOU_ASKED = re.compile(r"^(do|did|does|have|has|can|could|would|will|are|were|is|know|seen|heard)( you| ya| u|"
                        r" anyone| anybody| somebody| someone)\b")


def _asked(world: World, c: Clause) -> str | None:
    """What kind of question the clause asks, after any name it is addressed to ("tomas, how do i get to the
    chapel?"): "wh" (who, what, where, how ...), "you" (about the listener: "do you know where the wolf
    sleeps?"), else None."""
    said = normalize(c.text).split()
    index = _name_index(world)
    while said and (said[0] in _FILLERS or said[0] in {"hey", "hi", "excuse", "me", "sir", "maam", "so"} or (
            said[0] in index and any(k in world.characters for k in index[said[0]]))):
        said = said[1:]  # the name the question is put to, and the words that get attention
    if len(said) > 2 and said[0] in ("ask", "asks", "asking") and (said[1] in PRONOUNS or said[1] in index):
        said = said[2:]  # "ask him what he's rationing" asks what he is
    rest = " ".join(said)
    if _WH.match(rest):
        return "wh"
    for n in (1, 2):  # a name the table uses, put first: "doc where would i even find that key"
        if len(said) > n and _WH.match(" ".join(said[n:])) and all("NOUN" in word_classes(w) or (not word_classes(w) and any(
                k in world.characters for k in c.maybe)) for w in said[:n]) and not set(
                said[:n]) & (_command_verbs() | {"i", "we", "you", "know", "wonder", "ask", "tell", "see"}):
            return "wh"
    if _YOU_ASKED.match(rest) and (c.line.question or c.text.rstrip().endswith("?")):
        return "you"
    return None


# words for "whatever is there" and for someone in general: never an unknown thing or person
_ANY_THING = {"everything", "all", "stuff", "things", "thing", "something", "anything", "one", "lot", "rest", "them",
              "those", "these", "both", "back", "up", "out", "down", "over", "away", "off", "around", "here", "there",
              "now", "again", "too", "closer", "look", "moment", "second", "sec", "minute", "while", "breath",
              "break", "rest", "nap", "chance", "shot", "go", "try", "turn", "step", "hand", "hands", "time", "way", "body",
              "corpse", "remains", "loot", "gear", "supplies", "area", "place", "surroundings", "spot", "ground", "floor",
              "wall", "walls", "corner", "corners", "vicinity", "perimeter", "surface", "bodies", "other", "another",
              "first", "second", "last", "next"}
_SOMEONE = {"everyone", "everybody", "anyone", "anybody", "someone", "somebody", "people", "folks", "guys", "man",
            "woman", "guy", "lady", "kid", "boy", "girl", "stranger", "friend", "buddy", "pal", "sir", "madam",
            "maam", "fellow", "room", "crowd", "group", "party", "locals", "villagers", "survivor", "survivors",
            "person", "owner", "local", "others", "other", "old", "young", "little", "nice"}
_PORTIONS = {"bit", "piece", "pieces", "chunk", "slice", "bite", "handful", "scrap", "scraps", "morsel", "hunk",
             "strip", "drop", "sip", "swig", "share", "half", "rest"}
_OBJECT_STOP = STOP | _DETERMINERS | {"over", "up", "out", "off", "down", "back", "away", "around", "across", "by",
                                      "near", "under", "behind", "inside", "through", "as", "like", "so", "but",
                                      "then", "and", "if", "please", "now", "quickly", "carefully", "gently"}


def _phrase_at(said: list[str], phrase: list[str]) -> int | None:
    for i in range(len(said) - len(phrase) + 1):
        if said[i:i + len(phrase)] == phrase:
            return i
    return None


def _object_phrase(after: list[str], index: dict[str, set[str]], world: World) -> list[str]:
    """The words of the first noun phrase in ``after`` (past a person it is given to, and a possessor:
    "tomas the troll's head" -> ["head"]), empty when there is none."""
    phrase: list[str] = []
    for word in after:
        bare = word.removesuffix("'s")
        if bare in PRONOUNS and not phrase:
            return [bare]  # "grab it off the hook": it
        if word in _OBJECT_STOP or bare in PRONOUNS or word.isdigit():
            if phrase:
                break
            continue
        keys = _lookup(index, bare)
        if (word.endswith("'s") or not phrase) and keys and all(k in world.characters for k in keys) and (
                word.endswith("'s") or len(after) > 1):
            phrase = []  # a recipient or a possessor, not the thing
            continue
        if bare in _PORTIONS and not phrase:
            continue  # "a bit of fish": the fish
        phrase.append(bare)
    return phrase


def _listener_names(world: World, me: CharacterState | None) -> list[str]:
    """What a player may call the others here when speaking to them: names, first names, aliases."""
    names = []
    for ch in world.present():
        if ch.alive and (me is None or ch.key != me.key):
            spec = world.spec(ch.key)
            names += [spec.name, spec.name.split()[0], *spec.aliases]
    return list(dict.fromkeys(names))


def _bidden_party(world: World, me: CharacterState | None, text: str, line: Line) -> str:
    """"ike, pry that door open", "tally open it": an order to someone of the party is what the party does, so
    the words after the name are read as the player's own (who does it is for the table, not the grounding)."""
    if line.question or line.speech:
        return text
    said = text.split()
    for n in (3, 2, 1):
        who = resolve_name(world, " ".join(said[:n]).rstrip(",")) if len(said) > n else None
        if who in world.characters and world.characters[who].in_party and (me is None or who != me.key):
            rest = said[n:]
            # (a bare verb bids: "ike torch them"; "pip hacks the mech" tells what pip does)
            if said[n - 1].endswith(",") or rest[0] in word_classes(rest[0]).get("VERB", ()) and (
                    rest[0] not in _MODALS | _BE):
                return " ".join(rest)
            return text
    return text


def _own_names(world: World, me: CharacterState | None) -> list[str]:
    """What a player may call their own character in prose: its name, its first name, its aliases."""
    if me is None:
        return []
    spec = world.spec(me.key)
    return list(dict.fromkeys([spec.name, spec.name.split()[0], *spec.aliases]))


def _own_skills(world: World, me: CharacterState | None) -> list[str]:
    return [s for who, s in world.skills if me is not None and who == me.key]


def _teachers_here(world: World, me: CharacterState | None) -> list[CharacterState]:
    """Who here could teach ``me`` a skill it does not know yet."""
    if me is None:
        return []
    return [ch for ch in world.present() if ch.alive and ch.key != me.key
            and any(not world.knows_skill(me.key, s) for s in world.spec(ch.key).teaches)]


def _label(world: World, key: str) -> str:
    for table in (world.characters, world.items, world.campaign.skills, world.entities):
        if key in table:
            return table[key].name
    return key
