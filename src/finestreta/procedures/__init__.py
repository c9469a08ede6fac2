"""Procedures the clerk runs during an attention: one package each (census, information)."""
