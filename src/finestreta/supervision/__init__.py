"""Supervision: what a supervisor watches and plans with (staffing, the contact-centre KPIs)."""
