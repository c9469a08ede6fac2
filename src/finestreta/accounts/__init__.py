"""Staff users (clerks, supervisors, admins), their sessions, and the booths' device identities."""
