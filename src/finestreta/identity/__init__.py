"""Who the citizen in a call is, and how the clerk knows: the identity checks every procedure
that acts in the citizen's name records the same way (``records.IdentityCheckRow``,
``checks.record_check`` / ``checks.last_check``)."""
