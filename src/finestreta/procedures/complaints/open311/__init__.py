"""Open311 GeoReport v2 over the complaint cases (issue 11; docs/open311.md).

* ``service``: the services (publishable type × theme pairs), cases as public service
  requests (nothing personal), filing a request as a case;
* ``formats``: XML and JSON from one structure (XML only emitted, never parsed);
* ``keys``: API keys (hashed), revocation and the per-key rate limit;
* ``routes``: ``/open311/v2/…`` and the spec's error format for everything under ``/open311/``;
* ``commands``: ``finestreta open311 keys create|list|revoke``;
* ``settings``: ``FINESTRETA_COMPLAINTS_OPEN311_*``;
* ``records``: its tables (migration ``c003`` of the ``complaints`` branch).
"""
