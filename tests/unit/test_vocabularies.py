"""Status vocabularies: every vendor's word for a state comes from one classification."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orderdesk.errors import ValidationFailed
from orderdesk.workflow import (
    DEFAULT_WORKFLOWS,
    DENTAL_LAB,
    IMPILO_DEVICE,
    LAB_REQUEST,
    RSO_RECORD,
    Outcome,
    StateType,
    parse_workflow,
)
from orderdesk.workflow.graph import State
from orderdesk.workflow.vocabularies import (
    VOCABULARIES,
    Phase,
    Vocabulary,
    code,
    outcome_asked,
    phase_of,
    term,
    terms_of,
)

DEFAULT_STATES = [(w.key, s) for w in DEFAULT_WORKFLOWS for s in w.states]


def _definition(**terms: Any) -> dict[str, Any]:
    """A small workflow whose "work" state declares ``terms``."""
    work: dict[str, Any] = {"id": "work", "name": "Working", "type": "INPROGRESS"}
    if terms:
        work["terms"] = terms
    return copy.deepcopy(
        {
            "key": "sample",
            "name": "Sample",
            "states": [
                {"id": "start", "name": "Start", "type": "NEW", "initial": True},
                work,
                {"id": "done", "name": "Done", "type": "CLOSED", "outcome": "completed"},
            ],
            "transitions": [
                {"from": "start", "to": "work", "roles": ["supplier"]},
                {"from": "work", "to": "done", "roles": ["supplier"]},
            ],
        }
    )


@pytest.mark.parametrize(("workflow", "state"), DEFAULT_STATES, ids=lambda v: getattr(v, "id", v))
def test_every_default_state_has_a_word_of_its_phase_in_every_vocabulary(
    workflow: str, state: State
) -> None:
    phase = phase_of(state.type, state.outcome)
    for vocabulary in Vocabulary:
        word = VOCABULARIES[vocabulary].word(term(state, vocabulary))
        assert word is not None, (workflow, state.id, vocabulary)
        assert phase in word.phases, (workflow, state.id, vocabulary, word)


@pytest.mark.parametrize(
    ("workflow", "vocabulary"),
    [
        (IMPILO_DEVICE, Vocabulary.IMPILO),
        (LAB_REQUEST, Vocabulary.LAB_PORTAL),
        (RSO_RECORD, Vocabulary.RECORD_STACK_OVERFLOW),
    ],
    ids=lambda v: getattr(v, "key", v),
)
def test_a_workflow_named_in_a_vendors_words_is_called_by_its_own_state_ids(
    workflow: Any, vocabulary: Vocabulary
) -> None:
    assert [term(s, vocabulary) for s in workflow.states] == [s.id for s in workflow.states]


def test_lab_portal_numbers_are_the_lab_request_workflows_codes() -> None:
    for state in LAB_REQUEST.states:
        assert code(Vocabulary.LAB_PORTAL, term(state, Vocabulary.LAB_PORTAL)) == state.code


def test_a_term_the_workflow_declares_wins_over_the_phase() -> None:
    shipped = next(s for s in DENTAL_LAB.states if s.name == "Shipped")
    confirmed = next(s for s in DENTAL_LAB.states if s.name == "Confirmed")
    assert term(shipped, Vocabulary.IMPILO) == "shipped"
    assert term(confirmed, Vocabulary.IMPILO) == "processing"


def test_a_state_without_a_declared_term_or_a_vendor_id_reads_by_its_phase() -> None:
    held = State(id="held", name="Held", type=StateType.INPROGRESS)
    assert terms_of(held) == {
        "impilo": "processing",
        "labportal": "InProgress",
        "rso": "In progress",
        "fhir_task": "in-progress",
    }
    void = State(id="void", name="Void", type=StateType.CLOSED, outcome=Outcome.CANCELLED)
    assert terms_of(void) == {
        "impilo": "cancelled",
        "labportal": "Cancelled",
        "rso": "Cancelled",
        "fhir_task": "cancelled",
    }


def test_an_id_that_is_a_vendor_word_of_another_phase_is_not_taken_as_its_term() -> None:
    done = State(id="processing", name="Done", type=StateType.CLOSED, outcome=Outcome.COMPLETED)
    assert term(done, Vocabulary.IMPILO) == "delivered"


@pytest.mark.parametrize(
    ("word", "outcome"),
    [("Completed", Outcome.COMPLETED), ("Cancelled", Outcome.CANCELLED), ("In progress", None)],
)
def test_a_status_word_asks_for_the_outcome_of_its_phase(
    word: str, outcome: Outcome | None
) -> None:
    assert outcome_asked(Vocabulary.RECORD_STACK_OVERFLOW, word) is outcome


def test_phase_counts_an_outcome_only_for_closed_states() -> None:
    assert phase_of("NEW", None) is Phase.NEW
    assert phase_of("INPROGRESS", None) is Phase.IN_PROGRESS
    assert phase_of("CLOSED", "completed") is Phase.COMPLETED
    assert phase_of("CLOSED", "cancelled") is Phase.CANCELLED


def test_declared_terms_are_parsed_and_kept_by_the_definition_document() -> None:
    workflow = parse_workflow(_definition(impilo="shipped", fhir_task="on-hold"))
    work = workflow.state("work")
    assert term(work, Vocabulary.IMPILO) == "shipped"
    assert term(work, Vocabulary.FHIR_TASK) == "on-hold"
    assert parse_workflow(workflow.to_definition()) == workflow
    assert "terms" not in workflow.to_definition()["states"][0]  # none declared, none written


@pytest.mark.parametrize(
    ("terms", "pointer", "says"),
    [
        ({"sap": "open"}, "/states/1/terms/sap", "unknown vocabulary"),
        ({"impilo": "lost"}, "/states/1/terms/impilo", "must be one of"),
        ({"impilo": "delivered"}, "/states/1/terms/impilo", "does not name a in_progress state"),
        ({"labportal": 2}, "/states/1/terms/labportal", "must be a string"),
    ],
)
def test_a_declared_term_must_be_a_word_of_the_vocabulary_that_fits_the_state(
    terms: dict[str, Any], pointer: str, says: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_workflow(_definition(**terms))
    (error,) = raised.value.errors
    assert error.pointer == pointer
    assert says in error.detail


def test_terms_must_be_an_object() -> None:
    definition = _definition()
    definition["states"][1]["terms"] = ["shipped"]
    with pytest.raises(ValidationFailed) as raised:
        parse_workflow(definition)
    assert [e.pointer for e in raised.value.errors] == ["/states/1/terms"]
