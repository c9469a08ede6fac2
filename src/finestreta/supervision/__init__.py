"""Supervision: what a supervisor watches and what the pilot's report says, computed from the
event log (``kpis``), read through one adapter (``event_log``), and the staffing planner."""
