"""The population register (padró): ID numbers, the register port and its built-in SQL
implementation, the CSV importer, synthetic demo residents, the audited look-up service and
the rules of who may ask for which census volant (see ``docs/padro.md``)."""

from finestreta.padro.eligibility import CertificateKind, Decision, Party, Request, decide
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
    "CertificateKind",
    "Decision",
    "DocumentType",
    "Household",
    "IdDocument",
    "ImportReport",
    "InvalidId",
    "LookupResult",
    "LookupService",
    "Member",
    "NotRegistered",
    "Party",
    "Person",
    "PopulationRegister",
    "Registration",
    "Request",
    "SqlPopulationRegister",
    "Status",
    "UnknownPerson",
    "decide",
    "format_report",
    "import_csv",
    "parse_any",
    "parse_id",
]
