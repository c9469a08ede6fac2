"""The information catalogue: every information service of the city's counters, in Catalan,
Spanish and English, searched as the citizen types on the booth (see ``docs/catalogue.md``).

``importer.import_file`` loads a JSON catalogue file, ``service.Catalogue`` keeps the in-memory
search index of a running server. The information procedure
(``finestreta.procedures.information``) shows entries on the booth and prints their sheets.
"""

from finestreta.catalogue.importer import (
    DEMO_CATALOGUE,
    EntryError,
    ImportReport,
    format_report,
    import_data,
    import_file,
    seed_demo,
)
from finestreta.catalogue.model import (
    LANGUAGES,
    Category,
    Channel,
    Entry,
    Link,
    LocalizedEntry,
    Texts,
)
from finestreta.catalogue.search import Hit, Results, SearchIndex
from finestreta.catalogue.service import Catalogue, catalogue_of, load_entries

__all__ = [
    "DEMO_CATALOGUE",
    "LANGUAGES",
    "Catalogue",
    "Category",
    "Channel",
    "Entry",
    "EntryError",
    "Hit",
    "ImportReport",
    "Link",
    "LocalizedEntry",
    "Results",
    "SearchIndex",
    "Texts",
    "catalogue_of",
    "format_report",
    "import_data",
    "import_file",
    "load_entries",
    "seed_demo",
]
