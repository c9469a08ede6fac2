"""What browsers need to reach each other: STUN/TURN servers and short-lived TURN credentials."""
