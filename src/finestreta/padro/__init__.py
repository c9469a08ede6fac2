"""The population register (padró): ID numbers, the register port and its built-in SQL
implementation, the CSV importer, synthetic demo residents and the audited look-up service
(see ``docs/padro.md``). Who may ask for which census volant is the census procedure's rule
(``finestreta.procedures.census.eligibility``)."""

from finestreta.padro.identity import DocumentType, IdDocument, InvalidId, parse_any, parse_id
from finestreta.padro.importer import ImportReport, format_report, import_csv
from finestreta.padro.lookups import LookupService
from finestreta.padro.model import (
    Address,
    AddressKind,
    Household,
    LookupResult,
    Member,
    Person,
    Registration,
    Status,
)
from finestreta.padro.port import NotRegistered, PopulationRegister, UnknownPerson
from finestreta.padro.sql_register import SqlPopulationRegister

__all__ = [
    "Address",
    "AddressKind",
    "DocumentType",
    "Household",
    "IdDocument",
    "ImportReport",
    "InvalidId",
    "LookupResult",
    "LookupService",
    "Member",
    "NotRegistered",
    "Person",
    "PopulationRegister",
    "Registration",
    "SqlPopulationRegister",
    "Status",
    "UnknownPerson",
    "format_report",
    "import_csv",
    "parse_any",
    "parse_id",
]
