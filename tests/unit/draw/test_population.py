"""Population hashes and strata."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from app.draw.population import InvalidIdError, check_id, make_population, population_hash, split_strata
from app.draw.sampling import DuplicateIdError


def test_hash_is_sha256_of_sorted_ids_joined_by_newline() -> None:
    ids = ["913301000000000002", "山东省济南市·001", "913301000000000001", "A"]
    expected = hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()
    assert population_hash(ids) == expected
    assert population_hash(reversed(ids)) == expected
    assert make_population(ids).hash == expected
    assert make_population(ids).ids == ("913301000000000001", "913301000000000002", "A", "山东省济南市·001")


def test_hash_matches_the_documented_shell_recipe(tmp_path: object) -> None:
    ids = ["b", "a", "乙", "甲", "Z"]
    text = "\n".join(ids) + "\n"
    result = subprocess.run(
        ["sh", "-c", "printf '%s' \"$(LC_ALL=C sort)\" | sha256sum"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    assert result.stdout.decode().split()[0] == population_hash(ids)


def test_empty_population_has_the_hash_of_the_empty_string() -> None:
    population = make_population([])
    assert population.size == 0
    assert population.hash == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("bad", ["", " X", "X ", "a\nb", "a\rb", "\t1", "\u3000甲", "乙\u2028", "\n", "c\n"])
def test_ids_that_cannot_be_listed_one_per_line_are_refused(bad: str) -> None:
    with pytest.raises(InvalidIdError):
        check_id(bad)
    with pytest.raises(InvalidIdError):
        make_population(["ok", bad])


def test_non_text_id_is_refused() -> None:
    with pytest.raises(InvalidIdError):
        check_id(12)
    with pytest.raises(InvalidIdError):
        make_population(["a", 12])  # type: ignore[list-item]
    with pytest.raises(InvalidIdError):
        make_population([12])  # type: ignore[list-item]


def test_inner_spaces_and_other_characters_are_fine() -> None:
    ids = ["A B", "甲\u3000乙", "x\ty", "杭州·西湖（分店）", "#1"]
    assert make_population(ids).ids == tuple(sorted(ids))


def test_duplicates_are_named() -> None:
    with pytest.raises(DuplicateIdError) as info:
        make_population(["x", "y", "x"])
    assert info.value.duplicates == ("x",)


def test_split_strata_groups_sorts_and_keeps_empty_strata() -> None:
    strata = split_strata([("3", "B"), ("1", "A"), ("2", "B")], keys=["D", "A"])
    assert list(strata) == ["A", "B", "D"]
    assert strata["B"].ids == ("2", "3")
    assert strata["D"].size == 0
    assert strata["A"].hash == population_hash(["1"])


def test_split_strata_refuses_an_id_in_two_strata() -> None:
    with pytest.raises(DuplicateIdError):
        split_strata([("1", "A"), ("1", "B")])


def test_the_draw_package_needs_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import app.draw.record, app.draw.targets, app.draw.teams, app.draw.sampling, app.draw.population\n"
        "added = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "outside = sorted(added - set(sys.stdlib_module_names) - {'app'})\n"
        "print(outside)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
