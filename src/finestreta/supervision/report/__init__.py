"""The pilot report (issue 12): the figures a city decides on, as PDF, CSV and a web page.

:mod:`.pilot` assembles them (pure), :mod:`.source` reads the database, :mod:`.render` writes
CSV and PDF, :mod:`.model` holds the cost model and its TOML. ``docs/report.md`` defines every
figure.
"""

from finestreta.supervision.report.cells import Report
from finestreta.supervision.report.model import ReportModel, load_model
from finestreta.supervision.report.pilot import Inputs, assemble
from finestreta.supervision.report.render import figure_rows, to_csv, to_pdf

__all__ = [
    "Inputs",
    "Report",
    "ReportModel",
    "assemble",
    "figure_rows",
    "load_model",
    "to_csv",
    "to_pdf",
]
