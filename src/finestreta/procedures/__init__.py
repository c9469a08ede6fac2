"""Procedures the clerk runs during an attention (today: census volants)."""
