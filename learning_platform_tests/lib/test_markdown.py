"""The markdown tables the UI shows (check samples, mart previews)."""

from datetime import date
from decimal import Decimal

from learning_platform.lib import markdown


def test_no_value_can_break_the_table_or_show_an_email():
    text = markdown.table(
        ["value", "when", "amount", "sources"],
        [["a|b\nc", date(2026, 11, 2), Decimal("0.50"), ["thrive", "x@y.org"]], [None] * 4],
    )

    assert text.splitlines() == [
        "| value | when | amount | sources |",
        "|---|---|---|---|",
        "| a\\|b c | 2026-11-02 | 0.50 | thrive, (e-mail hidden) |",
        "|  |  |  |  |",
    ]
