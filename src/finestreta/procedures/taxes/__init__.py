"""Municipal taxes (issue 10): for now only the pure rules the procedure will be built on.

* ``money``: amounts as integer cents end to end, read and written as people write euros;
* ``cuaderno60``: the payment slip's 42-digit barcode (Cuaderno 60, format 521);
* ``surcharges``: the enforcement surcharges and late-payment interest (General Tax Law,
  art. 28).

No I/O, no web, no database here, and no ``Procedure`` object yet: the package is not
registered as a procedure until the next step wires it in (docs/taxes.md). Its folder already
counts as a translation domain (scripts/i18n and tests/unit/test_i18n.py find procedures by
folder), so its texts live in ``locale/`` like any procedure's.
"""
