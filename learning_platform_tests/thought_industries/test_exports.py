"""Reading Thought Industries content-action exports: headers by name, encodings and line ends,
timestamps, normalisation, and every unreadable row reported by its line."""

import io
from datetime import datetime, timezone

import pytest

from learning_platform.lib.thought_industries.exports import (
    ContentActionsReader,
    FileRejected,
    action_id,
    parse_timestamp,
)

HEADER = "Email,Panorama Name,Content Type,Content Title,Type,Source,Timestamp"


def read(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    reader = ContentActionsReader(io.BytesIO(data), "export.csv", **kwargs)
    rows = [row for batch in reader.batches() for row in batch.to_pylist()]
    return rows, reader


def test_a_bom_crlf_file_with_quoted_commas_quotes_and_newlines_loads_exactly():
    text = (
        "\ufeff" + HEADER + "\r\n"
        'ada@example.com,Academy,course,"Negotiation, ""the hard way""",enrollment,course_purchase,2026-11-20T14:58:23.000Z\r\n'
        'bob@example.com,,video,"Two\r\nlines: café",status_change,course_started,2026-11-20T15:00:00Z\r\n'
        "chloe@example.com,Academy,course,Plain,certificate_grant,course_completed,2026-11-20T16:00:00+01:00\r\n"
    )

    rows, reader = read(text)

    assert [row["content_title"] for row in rows] == [
        'Negotiation, "the hard way"',
        "Two\r\nlines: café",
        "Plain",
    ]
    assert [row["line"] for row in rows] == [2, 3, 5]
    assert rows[1]["panorama_name"] is None
    assert rows[2]["occurred_at"] == datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
    assert reader.summary.rows == 3 and reader.rejects == []
    assert len(reader.summary.content_hash) == 64 and reader.summary.size_bytes == len(
        text.encode()
    )


def test_headers_match_by_name_whatever_their_order_case_and_spacing():
    text = (
        " timestamp ,SOURCE,type,content_title,Content  Type,panorama name,EMAIL,Extra\n"
        "2026-11-20 10:00:00,sso,enrollment,T,course,P,ada@example.com,x\n"
    )

    rows, reader = read(text)

    assert rows[0]["learner_email"] == "ada@example.com"
    assert rows[0]["action_source"] == "sso" and rows[0]["content_type"] == "course"
    assert reader.summary.ignored_columns == ["Extra"]


def test_a_missing_column_rejects_the_file_naming_it():
    with pytest.raises(FileRejected, match="export.csv: no 'Type' column"):
        read("Email,Panorama Name,Content Type,Content Title,Source,Timestamp\n")


def test_bytes_that_are_not_utf8_reject_the_file():
    data = (
        HEADER + "\nada@example.com,P,course,Caf\xe9,enrollment,sso,2026-11-20T10:00:00Z\n"
    ).encode("latin-1")

    with pytest.raises(FileRejected, match="not UTF-8"):
        read(data)


def test_an_empty_file_and_a_header_only_file_read_as_no_rows():
    assert read(b"")[0] == []
    rows, reader = read(HEADER + "\r\n")
    assert rows == [] and reader.summary.rows == 0


def test_unreadable_rows_are_rejects_with_their_line_numbers_and_the_rest_loads():
    good = "ada@example.com,P,course,T{n},enrollment,sso,2026-11-20T10:0{n}:00Z"
    lines = [HEADER] + [good.format(n=n) for n in range(9)]
    lines.insert(3, "ada@example.com,P,course,T,enrollment")  # line 4: too few fields
    lines.insert(6, "ada@example.com,P,course,T,enrollment,sso,yesterday")  # line 7
    lines.insert(9, 'ada@example.com,P,course,"T"x,enrollment,sso,2026-11-20T10:00:00Z')  # line 10
    rows, reader = read("\n".join(lines) + "\n", max_reject_share=0.5)

    assert len(rows) == 9
    assert [line for line, _ in reader.rejects] == [4, 7, 10]
    assert "5 fields where the header has 7" in reader.rejects[0][1]
    assert "'yesterday'" in reader.rejects[1][1]


def test_too_many_unreadable_rows_reject_the_file():
    lines = [HEADER, "a,b", "c,d", "ada@example.com,P,course,T,enrollment,sso,2026-11-20T10:00:00Z"]

    with pytest.raises(FileRejected, match="2 of 3 rows cannot be read"):
        read("\n".join(lines) + "\n")


def test_an_unclosed_quote_rejects_the_file_at_its_line():
    text = (
        HEADER
        + '\nada@example.com,P,course,"never closed,enrollment,sso,2026-11-20T10:00:00Z\nb,c\n'
    )

    with pytest.raises(FileRejected, match="opened at line 2 never closes"):
        read(text)


@pytest.mark.parametrize(
    ("text", "expected", "assumed_utc"),
    [
        ("2026-11-20T14:58:23.621Z", datetime(2026, 11, 20, 14, 58, 23, 621000), False),
        ("2026-11-20T14:58:23Z", datetime(2026, 11, 20, 14, 58, 23), False),
        ("2026-11-20T09:58:23-05:00", datetime(2026, 11, 20, 14, 58, 23), False),
        ("2026-11-20 14:58:23", datetime(2026, 11, 20, 14, 58, 23), True),
        ("11/20/2026 2:58 PM", datetime(2026, 11, 20, 14, 58), True),
        ("11/20/2026 02:58:23 PM", datetime(2026, 11, 20, 14, 58, 23), True),
    ],
)
def test_iso_and_display_timestamps_parse_and_a_naive_one_is_read_as_utc(
    text, expected, assumed_utc
):
    assert parse_timestamp(text) == (expected.replace(tzinfo=timezone.utc), assumed_utc)


def test_source_is_normalised_the_raw_value_kept_and_the_email_stored_as_given():
    text = (
        HEADER + "\n"
        " Ada@Example.com ,P,course,T,enrollment,gift-course-purchase,2026-11-20T10:00:00Z\n"
        "ada@example.com,,course,T,Enrollment,Gift_Course_Purchase,2026-11-20T10:00:00Z\n"
        "ada@example.com,P,course,T,status_change,Manager_grant_completed,2026-11-20T11:00:00Z\n"
    )

    rows, _ = read(text)

    assert rows[0]["learner_email"] == " Ada@Example.com "
    assert [row["action_source"] for row in rows] == [
        "gift_course_purchase",
        "gift_course_purchase",
        "manager_grant_completed",
    ]
    assert rows[0]["action_source_raw"] == "gift-course-purchase"
    # Same e-mail after trim and lower case, same action: one key, whatever the panorama says.
    assert rows[0]["action_id"] == rows[1]["action_id"] != rows[2]["action_id"]


def test_the_natural_key_ignores_the_panorama_and_changes_with_any_key_part():
    moment = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    base = ("ada@example.com", "course", "T", "enrollment", "sso", moment)
    key = action_id(*base)
    for position, other in enumerate(
        ("bob@example.com", "video", "U", "status_change", "api", moment.replace(minute=1))
    ):
        changed = list(base)
        changed[position] = other
        assert action_id(*changed) != key


def test_a_large_file_is_read_in_chunks():
    lines = [HEADER] + [
        f"user{n}@example.com,P,course,T,enrollment,sso,2026-11-20T10:00:00Z" for n in range(2500)
    ]
    reader = ContentActionsReader(io.BytesIO("\n".join(lines).encode()), "big.csv", chunk_rows=1000)

    assert [batch.num_rows for batch in reader.batches()] == [1000, 1000, 500]
