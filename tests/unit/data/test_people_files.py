"""People files read as written or refused (issue 24 item 4): the readings kept, and `gather`, which
joins --person and --people and refuses a name given twice."""

from __future__ import annotations

import pytest

from lifeexp_cli.data import people
from lifeexp_cli.errors import UsageError


def write(tmp_path, name: str, content: bytes) -> str:
    (tmp_path / name).write_bytes(content)
    return str(tmp_path / name)


@pytest.mark.parametrize("name, content", [
    ("bom.json", b'\xef\xbb\xbf{"ann": {"bmi": 22}}'),
    ("utf16.json", '{"ann": {"bmi": 22}}'.encode("utf-16")),
    ("utf32.json", '{"ann": {"bmi": 22}}'.encode("utf-32")),
    ("bom.csv", b"\xef\xbb\xbfname,bmi\nann,22\n"),
    ("trailing.csv", b"name,bmi\nann,22,\n"),
    ("trailing-header.csv", b"name,bmi,\nann,22\n"),
    ("string.json", b'[{"name": "ann", "bmi": "22"}]'),
    ("padded.json", b'{" ann ": {"bmi": 22.0}}'),
])
def test_readings_kept(tmp_path, name, content):
    assert people.read_people(write(tmp_path, name, content)) == [("ann", {"bmi": 22.0})]


def test_numbers_read_as_json_reads_them(tmp_path):
    path = write(tmp_path, "p.json", b'{"ann": {"bmi": 24.1, "gdp": 1e99, "hiv": -0.0}}')
    assert people.read_people(path) == [("ann", {"bmi": 24.1, "gdp": 1e99, "hiv": -0.0})]


def test_blank_names_are_numbered_by_place(tmp_path):
    path = write(tmp_path, "p.json", b'{"ann": {"bmi": 20}, "": {"bmi": 22}, "  ": {"bmi": 24}}')
    assert [name for name, _ in people.read_people(path)] == ["ann", "person2", "person3"]
    path = write(tmp_path, "q.json", b'[{"bmi": 20}, {"name": null, "bmi": 22}, {"name": 7, "bmi": 24}]')
    assert [name for name, _ in people.read_people(path)] == ["person1", "person2", "7"]


def test_gather_refuses_a_name_given_twice(tmp_path):
    with pytest.raises(UsageError, match="--person names ann twice"):
        people.gather(["ann:bmi=20", "ann:bmi=30"], None)
    path = write(tmp_path, "p.csv", b"name,bmi\nann,20\n")
    with pytest.raises(UsageError, match="--person and --people names ann twice"):
        people.gather(["ann:bmi=20"], path)
    assert people.gather(["bob:bmi=20"], path) == [("bob", {"bmi": 20.0}), ("ann", {"bmi": 20.0})]


def test_gather_gives_tim_and_tom_only_when_no_one_is_given(tmp_path):
    assert [name for name, _ in people.gather([], None)] == ["Tim", "Tom"]
    with pytest.raises(UsageError, match="has no people"):
        people.gather([], write(tmp_path, "p.json", b"{}"))


def test_a_value_shown_in_a_message_is_cut():
    with pytest.raises(UsageError) as raised:
        people.number("x" * 5000, "bmi")
    assert len(str(raised.value)) < 150 and str(raised.value).endswith("…")
    with pytest.raises(UsageError, match="too large"):
        people.number("1" * 5000, "bmi")
    with pytest.raises(UsageError, match="finite"):
        people.number("-inf", "bmi")
