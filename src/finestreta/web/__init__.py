"""Pages, JSON API and static files: the booth, the clerk console, login and pairing."""
