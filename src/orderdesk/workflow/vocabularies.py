"""What each vendor calls a workflow state: every status word derives from one classification.

A state is classified once, here, by three things: its *phase* (from its type and
outcome: new, in progress, completed, cancelled), the terms its workflow declares
for it (``"terms": {"impilo": "shipped"}`` in the definition document), and each
vocabulary's words. Its term in a vocabulary is, in this order:

1. the term the workflow declares for that vocabulary;
2. its own id, when the id is a word of the vocabulary that fits its phase (the
   default workflows name their states in their vendor's words: ``shipped``,
   ``InProgress``, ``In progress``);
3. the vocabulary's word for its phase.

A declared term must be a word of the vocabulary that fits the state's phase (a
completed state cannot be called ``processing``); ``parse_workflow`` checks it.
The compatibility surfaces read a state's terms from the read model
(``StatusRead.terms``) and never keep a table of their own; FHIR ``Task.status``
is a vocabulary like the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from orderdesk.workflow.graph import Outcome, State, StateType


class Phase(StrEnum):
    """Where an order stands, whatever its workflow calls it."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def phase_of(type_: StateType | str, outcome: Outcome | str | None) -> Phase:
    """The phase of a state of this type and outcome (an outcome only counts when closed)."""
    kind = StateType(type_)
    if kind is StateType.NEW:
        return Phase.NEW
    if kind is StateType.INPROGRESS:
        return Phase.IN_PROGRESS
    if outcome is not None and Outcome(outcome) is Outcome.CANCELLED:
        return Phase.CANCELLED
    return Phase.COMPLETED


class Vocabulary(StrEnum):
    """The status vocabularies orderdesk speaks besides its own state ids."""

    IMPILO = "impilo"  # currentStatus (seeds 002, 003)
    LAB_PORTAL = "labportal"  # RequestState (seed 001)
    RECORD_STACK_OVERFLOW = "rso"  # status (seed 004)
    FHIR_TASK = "fhir_task"  # FHIR R4 Task.status


_OPEN = frozenset({Phase.NEW, Phase.IN_PROGRESS})


@dataclass(frozen=True)
class Word:
    """One status word, the phases it may name, and its number where the vendor has one."""

    text: str
    phases: frozenset[Phase]
    code: int | None = None


@dataclass(frozen=True)
class Terms:
    """One vocabulary: its words, and the word each phase reads as by default."""

    words: tuple[Word, ...]
    by_phase: Mapping[Phase, str]

    def word(self, text: str) -> Word | None:
        return next((w for w in self.words if w.text == text), None)

    def texts(self) -> list[str]:
        return [w.text for w in self.words]


def _w(text: str, *phases: Phase, code: int | None = None) -> Word:
    return Word(text, frozenset(phases), code)


VOCABULARIES: Mapping[Vocabulary, Terms] = {
    Vocabulary.IMPILO: Terms(
        words=(
            _w("new", Phase.NEW),
            _w("reconfirmAddress", Phase.IN_PROGRESS),
            _w("processing", Phase.IN_PROGRESS),
            _w("shipped", Phase.IN_PROGRESS),
            _w("delivered", Phase.COMPLETED),
            _w("cancelled", Phase.CANCELLED),
        ),
        by_phase={
            Phase.NEW: "new",
            Phase.IN_PROGRESS: "processing",
            Phase.COMPLETED: "delivered",
            Phase.CANCELLED: "cancelled",
        },
    ),
    # RequestState: the member names (XML) and their values (JSON).
    Vocabulary.LAB_PORTAL: Terms(
        words=(
            _w("New", Phase.NEW, code=0),
            _w("Received", Phase.IN_PROGRESS, code=1),
            _w("InProgress", Phase.IN_PROGRESS, code=2),
            _w("Completed", Phase.COMPLETED, code=3),
            _w("Cancelled", Phase.CANCELLED, code=4),
            _w("Rejected", Phase.CANCELLED, code=5),
        ),
        by_phase={
            Phase.NEW: "New",
            Phase.IN_PROGRESS: "InProgress",
            Phase.COMPLETED: "Completed",
            Phase.CANCELLED: "Cancelled",
        },
    ),
    # "In progress" is every open state: the document has no word for a new order.
    Vocabulary.RECORD_STACK_OVERFLOW: Terms(
        words=(
            _w("In progress", Phase.NEW, Phase.IN_PROGRESS),
            _w("Completed", Phase.COMPLETED),
            _w("Cancelled", Phase.CANCELLED),
        ),
        by_phase={
            Phase.NEW: "In progress",
            Phase.IN_PROGRESS: "In progress",
            Phase.COMPLETED: "Completed",
            Phase.CANCELLED: "Cancelled",
        },
    ),
    # The Task.status codes an order's task can be in (draft and entered-in-error are
    # never an order's state).
    Vocabulary.FHIR_TASK: Terms(
        words=(
            _w("requested", Phase.NEW),
            _w("received", Phase.NEW, Phase.IN_PROGRESS),
            _w("accepted", Phase.IN_PROGRESS),
            _w("ready", Phase.IN_PROGRESS),
            _w("in-progress", Phase.IN_PROGRESS),
            _w("on-hold", Phase.IN_PROGRESS),
            _w("completed", Phase.COMPLETED),
            _w("cancelled", Phase.CANCELLED),
            _w("rejected", Phase.CANCELLED),
            _w("failed", Phase.CANCELLED),
        ),
        by_phase={
            Phase.NEW: "requested",
            Phase.IN_PROGRESS: "in-progress",
            Phase.COMPLETED: "completed",
            Phase.CANCELLED: "cancelled",
        },
    ),
}


def term(state: State, vocabulary: Vocabulary) -> str:
    """What ``vocabulary`` calls ``state`` (see the module docstring for the order)."""
    declared = dict(state.terms).get(vocabulary.value)
    if declared is not None:
        return declared
    terms = VOCABULARIES[vocabulary]
    phase = phase_of(state.type, state.outcome)
    own = terms.word(state.id)
    if own is not None and phase in own.phases:
        return own.text
    return terms.by_phase[phase]


def terms_of(state: State) -> dict[str, str]:
    """The state's term in every vocabulary, by vocabulary name."""
    return {vocabulary.value: term(state, vocabulary) for vocabulary in Vocabulary}


def code(vocabulary: Vocabulary, text: str) -> int | None:
    """The vendor's number for one of its words (labPortal's RequestState values)."""
    word = VOCABULARIES[vocabulary].word(text)
    return None if word is None else word.code


def outcome_asked(vocabulary: Vocabulary, text: str) -> Outcome | None:
    """The outcome a client asks to close an order with by sending one of the
    vocabulary's words as a status: none for a word that names open states."""
    word = VOCABULARIES[vocabulary].word(text)
    if word is None or word.phases & _OPEN:
        return None
    return Outcome.CANCELLED if word.phases == {Phase.CANCELLED} else Outcome.COMPLETED


def declared_term_problem(vocabulary: str, text: object, phase: Phase) -> str | None:
    """Why ``text`` cannot be declared as a state's term in ``vocabulary`` (None: it can)."""
    try:
        terms = VOCABULARIES[Vocabulary(vocabulary)]
    except ValueError:
        return f"unknown vocabulary; known: {', '.join(v.value for v in Vocabulary)}"
    if not isinstance(text, str):
        return "must be a string"
    word = terms.word(text)
    if word is None:
        return f"must be one of: {', '.join(terms.texts())}"
    if phase not in word.phases:
        fitting = [w.text for w in terms.words if phase in w.phases]
        return f"{text!r} does not name a {phase.value} state; one of: {', '.join(fitting)}"
    return None
