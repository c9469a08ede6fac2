"""The street register: streets and addresses a works notice or a complaint is checked
against, the register port and its built-in SQL implementation, the CSV importer and the demo
streets (see ``docs/streets.md``)."""

from finestreta.streets.importer import ImportReport, format_report, import_csv, import_text
from finestreta.streets.names import cadastral_reference, folded, street_number
from finestreta.streets.port import SEARCH_LIMIT, Address, Street, StreetRegister
from finestreta.streets.sql_register import SqlStreetRegister

__all__ = [
    "SEARCH_LIMIT",
    "Address",
    "ImportReport",
    "SqlStreetRegister",
    "Street",
    "StreetRegister",
    "cadastral_reference",
    "folded",
    "format_report",
    "import_csv",
    "import_text",
    "street_number",
]
