"""Census volants (*volants de padró*) during a call: identify the citizen, check who may ask for
what (``eligibility``), issue sealed volants (``service``), over HTTP (``routes``)."""
