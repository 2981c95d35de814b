"""The sampler against the reference package ``consistent-sampler`` and its own properties."""

from __future__ import annotations

import random
from fractions import Fraction

import consistent_sampler
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.draw.sampling import (
    DuplicateIdError,
    Ticketed,
    derive_seed,
    machine_seed,
    sample,
    seed_hash,
    ticket,
    ticket_order,
)

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SEEDS = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=30),
    st.text(alphabet=CJK, min_size=1, max_size=12),
    st.text(min_size=1, max_size=40),
)
IDS = st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=60, unique=True)


def reference(ids: list[str], seed: str, count: int) -> list[str]:
    return list(consistent_sampler.sampler(ids, seed=seed, take=count, output="id"))


def reference_tickets(ids: list[str], seed: str) -> list[tuple[str, str]]:
    # digits=200 disables the reference's display trimming, leaving the full ticket.
    return [(t[1], t[0]) for t in consistent_sampler.sampler(ids, seed=seed, output="tuple", digits=200)]


def uscc_like(rng: random.Random, n: int) -> list[str]:
    return [
        f"91330{region:03d}MA{serial:08X}"
        for region, serial in zip(
            (rng.randrange(1000) for _ in range(n)), rng.sample(range(16**8), n), strict=True
        )
    ]


def test_documented_reference_values() -> None:
    # Values printed in the reference package's own docstrings.
    assert seed_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert ticket("01382438112797316654", "AB-130") == (
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    )
    assert [t.id for t in sample(["ab-1", "ab-2", "cd-1", "ef-3"], "314159", 4)] == [
        "cd-1",
        "ef-3",
        "ab-1",
        "ab-2",
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 10, 57, 1000, 10_000, 100_000])
def test_matches_reference_on_large_and_small_populations(size: int) -> None:
    rng = random.Random(size)
    ids = uscc_like(rng, size)
    rng.shuffle(ids)
    seed = "".join(rng.choice("0123456789") for _ in range(20))
    # The reference pops its heap once per id taken: take the whole stream only when small.
    counts = {1, max(1, size // 20), rng.randint(1, min(size, 2000))} | ({size} if size <= 1000 else set())
    full = reference(ids, seed, max(counts))
    for count in sorted(counts):
        assert [t.id for t in sample(ids, seed, count)] == full[:count]


def test_many_random_seeds_including_chinese() -> None:
    rng = random.Random(20250401)
    for round_ in range(150):
        size = rng.randint(1, 300)
        ids = (
            uscc_like(rng, size) if round_ % 2 else [f"工号{n:04d}" for n in rng.sample(range(10_000), size)]
        )
        if round_ % 3 == 0:
            seed = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸福彩3D双色球") for _ in range(rng.randint(1, 12)))
        else:
            seed = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 24)))
        count = rng.randint(1, size)
        expected = reference(ids, seed, count)
        got = sample(ids, seed, count)
        assert [t.id for t in got] == expected, (seed, size, count)


@settings(max_examples=60, deadline=None)
@given(ids=IDS, seed=SEEDS)
def test_tickets_and_order_equal_reference(ids: list[str], seed: str) -> None:
    got = ticket_order(ids, seed)
    assert [(t.id, t.ticket) for t in got] == reference_tickets(ids, seed)
    assert all(ticket(seed, t.id) == t.ticket for t in got)


@settings(max_examples=200, deadline=None)
@given(
    a=st.one_of(st.integers(0, 2**256 - 1), st.integers(10**63, 10**65), st.integers(0, 10**5)),
    b=st.one_of(st.integers(0, 2**256 - 1), st.integers(10**63, 10**65), st.integers(0, 10**5)),
)
def test_digit_strings_sort_like_fractions(a: int, b: int) -> None:
    # The sampler sorts ticket digit strings as text; they must order like the fractions
    # they denote, also when their lengths differ (64 to 78 digits).
    def digits(v: int) -> str:
        return str(v).zfill(64)[::-1]

    def fraction(v: int) -> Fraction:
        d = digits(v)
        return Fraction(int(d), 10 ** len(d))

    da, db = digits(a), digits(b)
    assert (da < db) == (fraction(a) < fraction(b))
    assert (da == db) == (a == b)


def test_lengths_above_64_digits_are_ordered_numerically() -> None:
    # A hand-made case of a prefix relation: "123…0" (64 digits, padded) against the
    # 65-digit string that extends it; the longer must come after.
    short = 10**63  # 64 digits: "1" followed by 63 zeros -> reversed "000…01"
    long_ = 10**64 + short  # 65 digits
    assert str(short).zfill(64)[::-1] < str(long_).zfill(64)[::-1]


def test_duplicates_are_rejected_with_their_names() -> None:
    with pytest.raises(DuplicateIdError) as info:
        sample(["a", "b", "a", "c", "b"], "1", 2)
    assert info.value.duplicates == ("a", "b")
    assert "a、b" in str(info.value)


def test_non_string_ids_and_bad_counts_are_refused() -> None:
    with pytest.raises(TypeError):
        sample(["a", 3], "1", 1)  # type: ignore[list-item]
    with pytest.raises(ValueError):
        sample(["a"], "1", -1)
    with pytest.raises(TypeError):
        sample(["a"], "1", True)
    with pytest.raises(TypeError):
        ticket("1", 5)  # type: ignore[arg-type]


def test_count_zero_and_count_above_population() -> None:
    assert sample(["a", "b"], "7", 0) == []
    assert [t.id for t in sample(["a", "b"], "7", 5)] == reference(["a", "b"], "7", 5)
    assert sample([], "7", 3) == []


@settings(max_examples=60, deadline=None)
@given(ids=IDS, seed=SEEDS, data=st.data())
def test_same_seed_and_population_give_same_sample_in_any_input_order(
    ids: list[str], seed: str, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, len(ids)))
    shuffled = data.draw(st.permutations(ids))
    assert sample(ids, seed, count) == sample(shuffled, seed, count)


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.text(max_size=12), min_size=2, max_size=60, unique=True), seed=SEEDS, data=st.data())
def test_removing_or_adding_ids_after_the_last_selected_changes_nothing(
    ids: list[str], seed: str, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, len(ids) - 1))
    chosen = sample(ids, seed, count)
    last = chosen[-1].ticket
    chosen_ids = {t.id for t in chosen}
    outside = [i for i in ids if i not in chosen_ids]
    removed = data.draw(st.sampled_from(outside))
    assert sample([i for i in ids if i != removed], seed, count) == chosen

    newcomer = data.draw(st.text(min_size=13, max_size=20))  # longer than any id, so new
    newcomer_ticket = ticket(seed, newcomer)
    with_newcomer = sample([*ids, newcomer], seed, count)
    if newcomer_ticket > last:
        assert with_newcomer == chosen
    else:
        # A smaller ticket enters the sample at its place and pushes the last one out.
        merged = sorted([*chosen, Ticketed(newcomer, newcomer_ticket)], key=lambda t: (t.ticket, t.id))
        assert with_newcomer == merged[:count]
        assert with_newcomer[-1] != chosen[-1]


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.text(max_size=10), min_size=1, max_size=80, unique=True), seed=SEEDS, data=st.data())
def test_stratum_sample_is_population_order_filtered(ids: list[str], seed: str, data: st.DataObject) -> None:
    stratum = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    count = data.draw(st.integers(1, len(stratum)))
    members = set(stratum)
    filtered = [t for t in ticket_order(ids, seed) if t.id in members]
    assert sample(stratum, seed, count) == filtered[:count]


def test_derived_seeds_are_suffixed() -> None:
    assert derive_seed("12345", "teams") == "12345/teams"
    assert ticket_order(["x", "y", "z"], derive_seed("9", "inspectors")) == ticket_order(
        ["x", "y", "z"], "9/inspectors"
    )


def test_machine_seed_is_digits_of_the_asked_length() -> None:
    seeds = {machine_seed() for _ in range(20)}
    assert all(len(s) == 20 and s.isdigit() for s in seeds)
    assert len(seeds) == 20
    assert len(machine_seed(30)) == 30
    with pytest.raises(ValueError):
        machine_seed(0)
