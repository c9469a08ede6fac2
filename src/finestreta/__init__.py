"""Finestreta: virtual citizen-service offices.

A booth (kiosk) in a civic centre, a clerk at the central office, a live video call between
them, and the procedures the city runs at its counters.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
