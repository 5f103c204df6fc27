"""What every warehouse table is declared on: one MetaData for the migrations to compare, and the
columns every table shares."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def loaded_at() -> sa.Column:
    return sa.Column(
        "loaded_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
        comment="When this row was written by the platform.",
    )
