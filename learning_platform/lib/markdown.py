"""What the UI shows as text: markdown tables (check samples, mart previews) whose cells can never
break the table, nor show an e-mail address, whatever an upstream sent."""

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Anything with an @ in it, up to the spaces or separators around it: an e-mail address, or what
# is left of one in a misaligned CSV column. Hiding too much is safe; showing one is not.
_EMAIL_LIKE = re.compile(r"[^\s|,;<>()\[\]\"']*@[^\s|,;<>()\[\]\"']*")
EMAIL_HIDDEN = "(e-mail hidden)"


def hide_emails(text: str) -> str:
    return _EMAIL_LIKE.sub(EMAIL_HIDDEN, text)


def cell(value: Any) -> str:
    """A value as one table cell: dates in ISO form, lists joined, `|` escaped, line breaks as
    spaces, e-mail addresses hidden; nothing for a null."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        text = value.isoformat()
    elif isinstance(value, (list, tuple)):
        text = ", ".join(cell(item) for item in value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    text = hide_emails(" ".join(text.splitlines()))
    return text.replace("\\", "\\\\").replace("|", "\\|")


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table of `rows` under `columns`."""
    lines = [
        "| " + " | ".join(cell(column) for column in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
