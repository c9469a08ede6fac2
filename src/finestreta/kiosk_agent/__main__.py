"""``python -m finestreta.kiosk_agent --config FILE``: the same as ``finestreta kiosk-agent``."""

import sys

from finestreta.kiosk_agent.main import run

sys.exit(run(sys.argv[1:]))
