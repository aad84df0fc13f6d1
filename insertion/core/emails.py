"""Emails written as a trio of templates named after their event (STYLE.md §12):
`<prefix>_subject.txt`, `<prefix>.txt` and `<prefix>.html`."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(template_prefix: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of an email. The subject template may span lines for
    readability: its whitespace is collapsed, as a header holds one line."""
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
    text = render_to_string(f"{template_prefix}.txt", context)
    html = render_to_string(f"{template_prefix}.html", context)
    return subject, text, html


def email_message(
    template_prefix: str,
    context: dict,
    *,
    to: list[str],
    headers: dict[str, str] | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """The email of an event, text with its HTML alternative, ready to send or to attach to."""
    subject, text, html = render_email(template_prefix, context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, headers=headers, connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message
