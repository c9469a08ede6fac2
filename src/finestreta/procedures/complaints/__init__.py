"""Complaints as cases (issue 11), for now the domain: complaints, incidents, suggestions,
queries and thanks, each a case followed to an answer. No panel, routes or booth module yet.

* ``types``: the case types and themes as data (anonymity, due days, the default unit,
  what may be published through Open311);
* ``settings``: due days by type and units by theme (``FINESTRETA_COMPLAINTS_*``);
* ``lifecycle``: the states, the moves and who may make them, due dates in business days (pure);
* ``cases``: open, move, answer, publish a moderated description, history, the public view
  and the staff's list, over ``records`` (migration branch ``complaints`` in ``migrations/``).

See docs/complaints.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from finestreta.errors import N_
from finestreta.procedures.base import Procedure, Topic

# The cases' tables join ``finestreta.db.Base.metadata`` when the procedure is loaded, so that
# the migration checks and the tests' clean-up know them (models.py cannot import them).
from finestreta.procedures.complaints import cases as cases  # (declares its refusals)
from finestreta.procedures.complaints import records as records
from finestreta.procedures.complaints.lifecycle import Role
from finestreta.procedures.complaints.settings import ComplaintsSettings
from finestreta.procedures.complaints.types import DOMAIN

NAME = DOMAIN
LOCALE_DIR = Path(__file__).parent / "locale"


class Complaints(Procedure):
    name = NAME
    # The topic the information procedure offered until now (the same texts and icon).
    topics: ClassVar[Mapping[str, Topic]] = {
        "complaints": Topic(
            label=N_("Complaints and suggestions"),
            description=N_("Tell us what went wrong or what we can improve"),
            icon='<path d="M6 8h28v18H16l-8 7v-7H6z" fill="none" stroke="currentColor" '
            'stroke-width="3" stroke-linejoin="round"/><path d="M20 12v7M20 22v1" '
            'stroke="currentColor" stroke-width="3" stroke-linecap="round"/>',
            order=50,
        )
    }
    roles = (Role.CASE_HANDLER.value,)
    settings_model = ComplaintsSettings

    def setup(self, platform: Any) -> None:
        # Read at start, so that a bad value stops the server with the setting named.
        self.settings: ComplaintsSettings = platform.procedure_settings(NAME)


procedure = Complaints()
