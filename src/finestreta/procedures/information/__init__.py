"""Information for the citizen during a call: catalogue entries shown on the booth screen and
their information sheets printed at the booth."""
