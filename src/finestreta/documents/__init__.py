"""Documents of an attention: scans from the booth, files to print or show, and later the
certificates the city issues. Checked by content, stored by SHA-256, deleted after retention."""
