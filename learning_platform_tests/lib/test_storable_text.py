"""NUL characters, which PostgreSQL stores in neither text nor jsonb, replaced before staging, with
where it happened (record and field) kept, never the value."""

import json

import pyarrow as pa

from learning_platform.lib.staging import StagingArea
from learning_platform.lib.storable_text import (
    MAX_RECORDS_NAMED,
    REPLACEMENT,
    NulReplacements,
    json_text_field,
)

SCHEMA = pa.schema(
    [pa.field("id", pa.string()), pa.field("name", pa.string()), json_text_field("data")]
)


def batch(*rows: tuple) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([dict(zip(SCHEMA.names, row)) for row in rows], schema=SCHEMA)


def test_a_nul_in_text_is_replaced_and_its_record_and_field_named():
    replacements = NulReplacements(("id",))
    fixed = replacements.replace(batch(("a1", "Ann\x00Lee", None), ("a2", "Bob", None)))

    assert fixed.column("name").to_pylist() == [f"Ann{REPLACEMENT}Lee", "Bob"]
    assert dict(replacements.characters) == {"name": 1}
    assert replacements.records == {"name": ["id a1"]}


def test_a_nul_escape_in_json_is_replaced_inside_strings_and_keys_only():
    document = {"title": "x\x00y", "k\x00": ["\x00", 3], "path": "C:\\u0000"}
    text = json.dumps(document)  # NUL as the escape \u0000; the path holds a backslash, not a NUL
    replacements = NulReplacements(("id",))

    fixed = replacements.replace(batch(("a1", "Ann", text)))

    assert json.loads(fixed.column("data")[0].as_py()) == {
        "title": f"x{REPLACEMENT}y",
        f"k{REPLACEMENT}": [REPLACEMENT, 3],
        "path": "C:\\u0000",
    }
    assert dict(replacements.characters) == {"data": 3}


def test_an_escaped_backslash_before_u0000_is_not_a_nul_and_nothing_changes():
    text = json.dumps({"path": "C:\\u0000"})
    replacements = NulReplacements(("id",))
    original = batch(("a1", "Ann", text))

    assert replacements.replace(original) is original
    assert not replacements


def test_records_without_id_columns_are_named_by_their_row_in_the_file():
    replacements = NulReplacements()
    replacements.replace(batch(("a1", "x", None), ("a2", "y", None)))
    replacements.replace(batch(("a3", "z\x00", None)))

    assert replacements.records == {"name": ["row 3"]}


def test_the_count_is_complete_while_the_records_named_are_bounded():
    replacements = NulReplacements(("id",))
    replacements.replace(
        batch(*[(f"a{n}", "\x00\x00", None) for n in range(MAX_RECORDS_NAMED + 10)])
    )

    assert replacements.characters["name"] == 2 * (MAX_RECORDS_NAMED + 10)
    assert len(replacements.records["name"]) == MAX_RECORDS_NAMED


def test_a_staged_file_keeps_its_replacements_in_its_footer(tmp_path):
    area = StagingArea(str(tmp_path))
    with area.writer("source", "stream", "2026-10-06", "records", SCHEMA, ("id",)) as sink:
        sink.write(batch(("a1", "Ann\x00", None), ("a2", "Bob", '{"t": "\\u0000"}')))
    with area.writer("source", "stream", "2026-10-07", "records", SCHEMA, ("id",)) as sink:
        sink.write(batch(("a3", "Cy", None)))

    stored = area.nul_replacements("source", "stream", "2026-10-06", "records")
    assert dict(stored.characters) == {"name": 1, "data": 1}
    assert stored.records == {"name": ["id a1"], "data": ["id a2"]}
    assert not area.nul_replacements("source", "stream", "2026-10-07", "records")
    rows = pa.Table.from_batches(
        list(area.batches("source", "stream", "2026-10-06", "records"))
    ).to_pylist()
    assert "\x00" not in json.dumps(rows, ensure_ascii=False)


def test_a_slice_is_judged_by_its_own_values_not_by_the_buffer_it_shares():
    # The first search reads the whole character buffer, which a slice shares with the rows
    # outside it: a NUL there must not count, and one inside must still be found.
    whole = batch(("a1", "Ann\x00Lee", None), ("a2", "Bob", None), ("a3", "Cy\x00", None))
    clean, dirty = whole.slice(1, 1), whole.slice(2, 1)
    replacements = NulReplacements(("id",))

    assert replacements.replace(clean) is clean
    assert replacements.replace(dirty).column("name").to_pylist() == [f"Cy{REPLACEMENT}"]
    assert dict(replacements.characters) == {"name": 1}
    assert replacements.records == {"name": ["id a3"]}
