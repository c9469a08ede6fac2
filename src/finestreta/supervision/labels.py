"""What the supervisors' screens and the pilot report call the codes the figures are keyed by:
topics, procedures and wrap-up outcomes, in one language. One place, so that the wallboard and
the report name them alike (a code not found here is shown as it is)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from finestreta.i18n import translator
from finestreta.procedures import registry
from finestreta.procedures.base import Procedure
from finestreta.procedures.texts import procedure_translator


def outcome_names(lang: str) -> dict[str, str]:
    """The wrap-up outcomes as the console names them."""
    _ = translator(lang)
    return {
        "information_given": _("Information given"),
        "procedure_completed": _("Procedure completed"),
        "referred_to_office": _("Referred to an office in person"),
        "appointment_booked": _("Appointment booked"),
        "not_resolved": _("Not resolved"),
        "call_dropped": _("Call dropped"),
    }


def names(procedures: Iterable[Procedure], lang: str) -> dict[str, dict[str, str]]:
    """Topic, procedure and outcome codes → their names in ``lang``: the topics' texts the
    console shows, each procedure's own title (its name when it has none), the outcomes'."""
    procedures = list(procedures)
    return {
        "topic": {
            code: procedure_translator(procedure, lang)(topic.for_clerk)
            for code, (topic, procedure) in registry.topics(procedures).items()
        },
        "procedure": {
            procedure.name: procedure_translator(procedure, lang)(procedure.title)
            if procedure.title
            else procedure.name
            for procedure in procedures
        },
        "outcome": outcome_names(lang),
    }


def incident_name(_: Callable[[str], str], device: str, reason: str) -> str:
    """A device incident (``devices/incidents.py``) as a reader names it: "Printer: out of
    paper" (codes not found here are shown as they are)."""
    devices = {
        "printer": _("Printer"),
        "scanner": _("Scanner"),
        "camera": _("Camera"),
        "microphone": _("Microphone"),
        "agent": _("Device agent"),
    }
    reasons = {
        "media_empty": _("out of paper"),
        "media_jam": _("paper jam"),
        "door_open": _("door open"),
        "toner_empty": _("out of toner"),
        "printer_stopped": _("stopped"),
        "printer_unreachable": _("unreachable"),
        "scanner_missing": _("not found"),
        "camera_missing": _("not found"),
        "microphone_missing": _("not found"),
        "agent_offline": _("not connected"),
    }
    return f"{devices.get(device, device)}: {reasons.get(reason, reason)}"
