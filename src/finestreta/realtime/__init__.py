"""WebSocket endpoints for booths and consoles, their frames, and the hub that links sockets to
the switchboard."""
