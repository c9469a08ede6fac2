"""Works notice (assabentat d'obres, issue 11): for now only the pure rules the procedure will be
built on.

* ``scope``: the guided questionnaire (``questions``) and the rules (``decide``) that say whether
  the works are within the notice's scope, and which procedure applies instead when they are not
  (Barcelona's ORPIMO; docs/works.md).

No I/O, no web, no database here, and no ``Procedure`` object yet: the package is not registered
as a procedure until a later step wires it in. Its folder already counts as a translation domain
(scripts/i18n and tests/unit/test_i18n.py find procedures by folder), so its texts live in
``locale/`` like any procedure's.
"""

from __future__ import annotations

from pathlib import Path

DOMAIN = "works"
LOCALE_DIR = Path(__file__).parent / "locale"
