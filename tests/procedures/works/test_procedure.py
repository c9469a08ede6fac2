"""The works procedure as the platform sees it: registered with its topic (moved from the
information procedure), its settings checked at start, the title of its sealed notice at
/verify, and the questionnaire's answers read strictly (pure, no database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from finestreta.procedures import registry
from finestreta.procedures.works import NOTICE_KIND, procedure
from finestreta.procedures.works.scope import Instead
from finestreta.procedures.works.service import BAD_ANSWERS, SHEETS, read_answers
from finestreta.procedures.works.settings import WorksSettings


def test_it_is_registered_with_the_works_topic() -> None:
    loaded = {p.name: p for p in registry.load(())}
    assert loaded["works"] is procedure
    assert "works" in procedure.topics and "works" not in loaded["information"].topics


def test_the_settings_and_their_bounds() -> None:
    settings = WorksSettings(_env_file=None)
    assert (settings.fee_cents, settings.max_duration_days) == (0, 180)
    assert settings.unit.format(district="Gràcia").endswith("Gràcia")
    for bad in ({"fee_cents": -1}, {"max_duration_days": 0}, {"unit": "Oficina {barri}"}):
        with pytest.raises(ValidationError):
            WorksSettings(_env_file=None, **bad)


def test_the_sealed_notice_has_a_title_at_verify() -> None:
    assert procedure.document_title(NOTICE_KIND, "ca") == "Assabentat d'obres"
    assert procedure.document_title(NOTICE_KIND, "es") == "Enterado de obras"
    assert procedure.document_title("household", "ca") is None


def test_every_alternative_has_a_catalogue_sheet() -> None:
    assert set(SHEETS) == set(Instead)


def test_answers_are_read_in_the_order_asked() -> None:
    progress = read_answers({"layout": "no", "kind": "interior", "structure": "none",
                             "catalogued": "no", "several_dwellings": "no", "facade": "no"})  # fmt: skip
    assert progress.decision is not None and progress.decision.code == "interior_notice"
    assert list(progress.answers) == [
        "kind", "structure", "catalogued", "several_dwellings", "facade", "layout"
    ]  # fmt: skip
    assert read_answers({}).next_question == "kind"
    with pytest.raises(BAD_ANSWERS.kind) as refused:
        read_answers({"kind": "garden", "fells_trees": "yes", "builds": "no"})
    assert refused.value.code == "works_bad_answers"


def test_it_runs_without_census_and_information_its_documents_kept_as_theirs() -> None:
    from finestreta.config import Settings
    from finestreta.documents.retention import Retention

    settings = Settings(_env_file=None)
    alone = Retention.from_settings(settings, [procedure.retention])
    assert alone.period("certificate") == timedelta(days=settings.certificate_retention_days)
    assert alone.period("info_sheet") == timedelta(days=settings.document_retention_days)
