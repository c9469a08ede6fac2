"""The registry (registre d'entrada i sortida, Ley 39/2015 art. 16): every submission the city
receives and every document it issues becomes a numbered entry that is never changed.

``service.register`` writes entries, ``receipt.render_receipt`` makes the citizen's PDF receipt
(imported on its own: it needs reportlab).
"""

from finestreta.registry.records import (
    DEFAULT_REGISTRY,
    RegistryAttachment,
    RegistryCounter,
    RegistryEntry,
)
from finestreta.registry.service import (
    CORRECTED_ENTRY_UNKNOWN,
    CORRECTION_OTHER_REGISTRY,
    AttachedDocument,
    Direction,
    PartyDocument,
    attached_documents,
    corrections_of,
    entries_of_call,
    get_by_code,
    register,
    registered_hashes,
)

__all__ = [
    "CORRECTED_ENTRY_UNKNOWN",
    "CORRECTION_OTHER_REGISTRY",
    "DEFAULT_REGISTRY",
    "AttachedDocument",
    "Direction",
    "PartyDocument",
    "RegistryAttachment",
    "RegistryCounter",
    "RegistryEntry",
    "attached_documents",
    "corrections_of",
    "entries_of_call",
    "get_by_code",
    "register",
    "registered_hashes",
]
