"""The server side of the booth's devices: print and scan jobs for the kiosk agent, and the
health the agent (and the booth page) report."""
