"""The e-mail that carries the city's answer to the citizen: multipart (plain text and HTML), in
the case's language, with the case code, the answer and the tracking page's address. Nothing
else of the case goes in it (not the description, not the location)."""

from __future__ import annotations

from html import escape

from finestreta.mail import MailMessage
from finestreta.procedures.complaints.cases import Case
from finestreta.procedures.complaints.types import THEMES, TYPES


def answer_message(case: Case, *, track_url: str, city: str) -> MailMessage:
    from finestreta.procedures.complaints.service import texts

    assert case.contact is not None and case.answer is not None
    _ = texts(case.language)
    kind = _(TYPES[case.case_type].label)
    theme = _(THEMES[case.theme].label)
    subject = _("Answer to your case {code}").format(code=case.display_code)
    greeting = (
        _("Dear {name},").format(name=case.contact.name) if case.contact.name else _("Hello,")
    )
    intro = _("The city has answered your case {code} ({kind}: {theme}):").format(
        code=case.display_code, kind=kind, theme=theme
    )
    follow = _("You can follow the case at any time at this address:")
    closing = _("This message was sent automatically; please do not reply to it.")
    text = "\n\n".join([greeting, intro, case.answer, f"{follow}\n{track_url}", closing, city])
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in case.answer.split("\n") if line)
    html = (
        f'<!doctype html><html lang="{case.language}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>"
        f"<p>{escape(greeting)}</p><p>{escape(intro)}</p>"
        f'<blockquote style="border-left:4px solid #1d4f91;margin:0;padding:0 1em">'
        f"{paragraphs}</blockquote>"
        f'<p>{escape(follow)}<br><a href="{escape(track_url)}">{escape(track_url)}</a></p>'
        f"<p><small>{escape(closing)}</small></p><p>{escape(city)}</p></body></html>"
    )
    return MailMessage(
        to=case.contact.email, subject=subject, text=text, html=html, language=case.language
    )
