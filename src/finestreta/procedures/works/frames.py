"""The frames the works procedure adds to the protocol."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from finestreta.realtime.frames import KIOSK, Outbound


class QuestionAnswered(BaseModel):
    question: str
    answer: str


class WorksQuestionnaire(Outbound):
    """The questionnaire as the clerk answers it, for the citizen to follow beside the call:
    the questions answered so far with their answers, the question asked now (``current``,
    None once the answers decide) and the decision in plain words. Texts already in the
    citizen's language (``lang``, the language they asked the call in). Nothing personal."""

    parties = (KIOSK,)
    type: Literal["works_questionnaire"] = "works_questionnaire"
    lang: str
    answered: list[QuestionAnswered]
    current: str | None
    within_scope: bool | None  # None until the answers decide
    decision: str | None  # the decision in plain words
    reason: str | None  # why, in the city's words
    instead: str | None  # the name of the procedure that applies instead


class WorksRegistered(Outbound):
    """The citizen's works notice is registered: the booth says so beside the call, with the
    incoming registry number and the first day the works may start, and that the sealed notice
    and its receipt are at the printer (``printed``). Nothing personal: no name, no address."""

    parties = (KIOSK,)
    type: Literal["works_registered"] = "works_registered"
    registry_number: str
    start: str  # ISO date: the first day the works may start
    printed: bool
