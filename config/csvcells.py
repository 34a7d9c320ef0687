"""One spreadsheet-safe CSV cell for every export the studio writes (the audit log, the usage report, a gallery's
zip): OWASP's CSV injection advice."""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def csv_cell(value):
    """Text a spreadsheet would run as a formula (a project named =HYPERLINK(...), also after leading blanks, or
    starting with a tab or carriage return) gets a leading ' ; numbers, negative ones too, stay numbers; None is an
    empty cell; other values pass through (the csv writer writes them as text)."""
    if value is None:
        return ""
    if not isinstance(value, str) or _NUMBER.match(value):
        return value
    if value.startswith(_CONTROL_START) or value.lstrip(" \t\r\n").startswith(_FORMULA_START):
        return "'" + value
    return value
