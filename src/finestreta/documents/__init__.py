"""Documents of an attention: scans from the booth, files to print or show, and the sealed
documents the city issues (``issuing``, laid out with the ``pdf`` toolkit, checked by code with
``verification``). Checked by content, stored by SHA-256, deleted after retention."""
