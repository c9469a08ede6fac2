"""A made-up but plausible attention history, made by driving the real switchboard through
simulated days (``docs/simulation.md``): the demo's three-month pilot, and data for tests and
benchmarks of the supervision figures."""

from finestreta.supervision.simulation.engine import Booth, Clerk, Day, Simulation, Totals
from finestreta.supervision.simulation.history import ForeignData, HistoryExists, Run, simulate
from finestreta.supervision.simulation.parameters import BadParameters, Parameters

__all__ = [
    "BadParameters",
    "Booth",
    "Clerk",
    "Day",
    "ForeignData",
    "HistoryExists",
    "Parameters",
    "Run",
    "Simulation",
    "Totals",
    "simulate",
]
