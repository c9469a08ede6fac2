"""The PDF toolkit every printed document is made with (ReportLab, PDF/A-2b, A4).

* :mod:`.fonts`: DejaVu, registered once; without it :class:`~.fonts.FontsMissing`, everywhere;
* :mod:`.styles`: colours, paragraph and table styles, plain-text paragraphs, the facts table;
* :mod:`.heading`: the city hall's heading (:class:`~.heading.CityHeading`, from the settings);
* :mod:`.qr`: QR codes (segno), drawn as one path;
* :mod:`.issuance`: what an issued document prints about its issuance (registry number and
  time, the verification note with the QR code and the secure verification code);
* :mod:`.layout`: pages with a footer, built into PDF/A-2b bytes (:func:`~.layout.build`);
* :mod:`.pdfa`: the PDF/A-2b plumbing ReportLab lacks.

A layout is a function from plain data to PDF bytes made of these parts: the volant
(``procedures/census/volant.py``), the registry receipt (``registry/receipt.py``), the
information sheet (``catalogue/sheet.py``). Its texts are gettext messages: the
toolkit's in the ``documents`` domain, a procedure's in its own.
"""
