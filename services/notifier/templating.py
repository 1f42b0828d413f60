"""The one Jinja2 environment of the notifier: emails and preference-centre pages."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

TEMPLATES = Environment(
    loader=PackageLoader("notifier", "templates"),
    undefined=StrictUndefined,
    # HTML templates escape every value; the plain-text ones must not.
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    keep_trailing_newline=True,
    # The templates ship with the package and do not change under a running process: no
    # look at their files' times on every message rendered.
    auto_reload=False,
)
