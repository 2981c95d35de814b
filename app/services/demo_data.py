"""The demo county's word lists and the deterministic generators of its targets and inspectors.

Everything here is pure Python and independent of the database, so the benchmark can time
generation apart from insertion. The same seed always gives the same rows: each part draws from
its own ``random.Random`` stream, and nothing iterates a set or depends on the clock.
"""

from __future__ import annotations

import bisect
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar

from stdnum.iso7064 import mod_11_2, mod_11_10

from app.models.enums import CodeKind, RiskClass, TargetKind, TargetStatus
from app.resources import resource_path
from app.services.identifiers import uscc_check_char
from app.services.pinyin import initials

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEMO_DIR = "demo"
# 组织机构代码 (GB 11714): value of each character and the weights of the 8 body characters.
_ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Characters a USCC may contain (GB 32100 leaves out I, O, S, V, Z); new organisation codes use them too.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_MOBILE_PREFIXES = tuple(
    f"1{n}"
    for n in (
        30,
        31,
        32,
        33,
        35,
        36,
        37,
        38,
        39,
        50,
        51,
        52,
        55,
        56,
        57,
        58,
        59,
        66,
        73,
        76,
        77,
        78,
        80,
        81,
        82,
        83,
        86,
        87,
        88,
        89,
        91,
        98,
        99,
    )
)


class Weighted(Generic[T]):
    """Values with relative weights, drawn by one ``random()`` call and a bisection."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        if not pairs:
            raise ValueError("empty weighted list")
        self.values = [v for v, _ in pairs]
        self._cum: list[float] = []
        total = 0.0
        for _, w in pairs:
            total += float(w)
            self._cum.append(total)
        self._total = total

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self._cum, rng.random() * self._total)]


# ---------------------------------------------------------------------------------------------
# Identifiers


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character 组织机构代码 body ('0'–'9' or 'X')."""
    total = sum(_ORG_VALUES[c] * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    if value == 10:
        return "X"
    if value == 11:
        return "0"
    return str(value)


def make_uscc(authority: str, category: str, region: str, org_body8: str) -> str:
    """Assemble a 统一社会信用代码 with a valid organisation-code check and GB 32100 check character.

    Args:
        authority: 登记管理部门代码 (``9`` 市场监管, ``N`` 农业, ``1`` 机构编制 …).
        category: 机构类别代码 (under ``9``: ``1`` 企业, ``2`` 个体工商户, ``3`` 农民专业合作社).
        region: the 6-digit 行政区划码 of the registering authority.
        org_body8: the 8 body characters of the 主体标识码 (组织机构代码).
    """
    first17 = authority + category + region + org_body8 + org_code_check_char(org_body8)
    return first17 + uscc_check_char(first17)


class UsccBuilder:
    """Builds many USCCs fast: the weighted sum of the constant 8-character prefix is cached.

    Gives the same result as ``make_uscc`` (which uses the shared ``uscc_check_char``).
    """

    _values: ClassVar[dict[str, int]] = {c: i for i, c in enumerate(_USCC_CHARS)}
    _weights: ClassVar[tuple[int, ...]] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

    def __init__(self) -> None:
        self._prefix_sums: dict[str, int] = {}

    def make(self, prefix8: str, org_body8: str) -> str:
        """``prefix8`` = 登记管理部门代码 + 机构类别代码 + 行政区划码."""
        values = self._values
        total = self._prefix_sums.get(prefix8)
        if total is None:
            total = sum(values[c] * w for c, w in zip(prefix8, self._weights[:8], strict=True))
            self._prefix_sums[prefix8] = total
        org = org_body8 + org_code_check_char(org_body8)
        total += sum(values[c] * w for c, w in zip(org, self._weights[8:], strict=True))
        return prefix8 + org + _USCC_CHARS[(31 - total % 31) % 31]


def make_regno(region: str, body8: str) -> str:
    """Assemble an old 15-digit 注册号: registering authority, sequence, ISO 7064 MOD 11,10 check digit."""
    first14 = region + body8
    return first14 + str(mod_11_10.calc_check_digit(first14))


def make_id_number(region: str, birth: date, seq3: int) -> str:
    """An 18-digit 居民身份证号码 with a valid ISO 7064 MOD 11-2 check character (odd seq = male)."""
    first17 = f"{region}{birth:%Y%m%d}{seq3:03d}"
    return first17 + str(mod_11_2.calc_check_digit(first17))


# ---------------------------------------------------------------------------------------------
# Word lists


@dataclass(frozen=True)
class Town:
    name: str
    weight: float
    urban: bool
    office: str
    roads: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        """The name without 镇/乡/街道 (as used inside business names): 石桥镇 → 石桥."""
        for suffix in ("街道", "镇", "乡"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: str
    short_name: str
    sources: tuple[str, ...]
    inspectors: int
    units: tuple[str, ...]
    qualifications: tuple[str, ...]
    specialities: tuple[str, ...]
    scope: tuple[str, ...]
    town_offices: bool = False
    city_level: bool = False


@dataclass(frozen=True)
class LicenceSpec:
    name: str
    probability: float
    years: int  # 0 = 长期
    number: str  # str.format template


@dataclass(frozen=True)
class IndustrySpec:
    name: str
    weight: float
    kinds: Weighted[TargetKind]
    ent_words: tuple[str, ...]
    shop_words: tuple[str, ...]
    trade_names: tuple[str, ...]
    risk: Weighted[RiskClass]
    licences: tuple[LicenceSpec, ...]
    tags: tuple[tuple[str, str, float], ...]
    region_boost: dict[str, float]


@dataclass(frozen=True)
class ExpertSpec:
    qualification: str
    speciality: str
    department: str
    unit: str


@dataclass(frozen=True)
class CountyConfig:
    """Everything the generators need to know about the demo county, from ``resources/demo``."""

    province: str
    province_abbr: str
    city: str
    city_short: str
    county: str
    county_short: str
    county_code: str
    city_code: str
    reg_authority: str
    city_reg_authority: str
    agri_authority: str
    certificate_issuer: str
    towns: tuple[Town, ...]
    departments: tuple[DepartmentSpec, ...]
    surnames: Weighted[str]
    given_male: str
    given_female: str
    trade_chars: str
    enterprise_prefixes: Weighted[str]
    enterprise_forms: Weighted[str]
    cooperative_products: tuple[str, ...]
    collective_suffixes: tuple[str, ...]
    industries: tuple[IndustrySpec, ...]
    statuses: Weighted[TargetStatus]
    recusal_reasons: tuple[str, ...]
    education: Weighted[str]
    majors: tuple[str, ...]
    titles: Weighted[str]
    post_categories: Weighted[str]
    experts: tuple[ExpertSpec, ...]

    def format_fields(self) -> dict[str, str]:
        """Fields usable in licence-number templates besides ``year``, ``seq`` and ``d1``."""
        return {
            "county_code": self.county_code,
            "city_code": self.city_code,
            "county_short": self.county_short,
            "city_short": self.city_short,
            "province_abbr": self.province_abbr,
        }

    def licence_tags(self) -> list[tuple[str, str]]:
        """Every (kind, name) target tag the generator can assign, in a fixed order."""
        out: list[tuple[str, str]] = []
        for ind in self.industries:
            for lic in ind.licences:
                key = ("许可类别", lic.name)
                if key not in out:
                    out.append(key)
            for kind, name, _ in ind.tags:
                if (kind, name) not in out:
                    out.append((kind, name))
        return out


def _read_json(name: str) -> Any:
    with resource_path(DEMO_DIR, name).open(encoding="utf-8") as fh:
        return json.load(fh)


def _pairs(raw: list[list[Any]]) -> list[tuple[str, float]]:
    return [(str(v), float(w)) for v, w in raw]


@cache
def load_county() -> CountyConfig:
    """Read ``resources/demo/county.json`` and ``words.json`` (once per process)."""
    county = _read_json("county.json")
    words = _read_json("words.json")
    towns = tuple(
        Town(
            name=t["name"],
            weight=float(t["weight"]),
            urban=bool(t["urban"]),
            office=t["office"],
            roads=tuple(t.get("roads", ())),
            streets=tuple(t.get("streets", ())),
            villages=tuple(t.get("villages", ())),
        )
        for t in county["towns"]
    )
    departments = tuple(
        DepartmentSpec(
            key=d["key"],
            name=d["name"],
            short_name=d["short_name"],
            sources=tuple(d.get("sources", ())),
            inspectors=int(d["inspectors"]),
            units=tuple(d["units"]),
            qualifications=tuple(d["qualifications"]),
            specialities=tuple(d["specialities"]),
            scope=tuple(d["scope"]),
            town_offices=bool(d.get("town_offices", False)),
            city_level=bool(d.get("city_level", False)),
        )
        for d in county["departments"]
    )
    industries = tuple(
        IndustrySpec(
            name=i["name"],
            weight=float(i["weight"]),
            kinds=Weighted([(TargetKind(k), float(w)) for k, w in i["kinds"].items()]),
            ent_words=tuple(i.get("ent_words", ())),
            shop_words=tuple(i.get("shop_words", ())),
            trade_names=tuple(i.get("trade_names", ())),
            risk=Weighted(list(zip(list(RiskClass), (float(w) for w in i["risk"]), strict=True))),
            licences=tuple(
                LicenceSpec(lic["name"], float(lic["p"]), int(lic["years"]), lic["number"])
                for lic in i.get("licences", ())
            ),
            tags=tuple((str(k), str(n), float(p)) for k, n, p in i.get("tags", ())),
            region_boost={str(k): float(v) for k, v in i.get("region_boost", {}).items()},
        )
        for i in words["industries"]
    )
    return CountyConfig(
        province=county["province"],
        province_abbr=county["province_abbr"],
        city=county["city"],
        city_short=county["city_short"],
        county=county["county"],
        county_short=county["county_short"],
        county_code=county["county_code"],
        city_code=county["city_code"],
        reg_authority=county["reg_authority"],
        city_reg_authority=county["city_reg_authority"],
        agri_authority=county["agri_authority"],
        certificate_issuer=county["certificate_issuer"],
        towns=towns,
        departments=departments,
        surnames=Weighted(_pairs(words["surnames"])),
        given_male=words["given_male"],
        given_female=words["given_female"],
        trade_chars="".join(dict.fromkeys(words["trade_chars"])),
        enterprise_prefixes=Weighted(_pairs(words["enterprise_prefixes"])),
        enterprise_forms=Weighted(_pairs(words["enterprise_forms"])),
        cooperative_products=tuple(words["cooperative_products"]),
        collective_suffixes=tuple(words["collective_suffixes"]),
        industries=industries,
        statuses=Weighted([(TargetStatus(v), float(w)) for v, w in words["statuses"]]),
        recusal_reasons=tuple(words["recusal_reasons"]),
        education=Weighted(_pairs(words["education"])),
        majors=tuple(words["majors"]),
        titles=Weighted(_pairs(words["titles"])),
        post_categories=Weighted(_pairs(words["post_categories"])),
        experts=tuple(
            ExpertSpec(e["qualification"], e["speciality"], e["department"], e["unit"])
            for e in words["experts"]
        ),
    )


# ---------------------------------------------------------------------------------------------
# Shared helpers


def stream(seed: int, part: str) -> random.Random:
    """An independent random stream per part, so that e.g. the inspectors do not change with the
    number of targets. String seeds are hashed with SHA-512 by ``random``: stable across runs."""
    return random.Random(f"liancha-demo:{seed}:{part}")


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def det_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from the seeded stream (same seed, same ids).

    Formatted by hand: ``str(uuid.UUID(...))`` costs ~10 µs, which is seconds at 500,000 rows.
    """
    h = f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` at half the cost (one ``random()`` call); used in the per-target hot path."""
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, n: int) -> int:
    """An int in ``[0, n)`` from one ``random()`` call (fine for n far below 2**53)."""
    return int(rng.random() * n)


def between(rng: random.Random, low: int, high: int) -> int:
    """An int in ``[low, high]``, like ``randint``."""
    return low + int(rng.random() * (high - low + 1))


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, 31)
        out.append(_USCC_CHARS[digit])
    return "".join(out)


def mobile(rng: random.Random) -> str:
    return pick(rng, _MOBILE_PREFIXES) + f"{below(rng, 100_000_000):08d}"


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 Feb for 29 Feb in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def person_name(cfg: CountyConfig, rng: random.Random, *, male: bool | None = None) -> tuple[str, str]:
    """(surname, given name) with one or two given characters."""
    if male is None:
        male = rng.random() < 0.62
    pool = cfg.given_male if male else cfg.given_female
    given = pick(rng, pool) if rng.random() < 0.3 else pick(rng, pool) + pick(rng, pool)
    return cfg.surnames.pick(rng), given


# ---------------------------------------------------------------------------------------------
# Targets

TARGET_COLUMNS: tuple[str, ...] = (
    "uid",
    "created_at",
    "updated_at",
    "version",
    "code",
    "code_kind",
    "name",
    "name_initials",
    "kind",
    "legal_rep",
    "phone",
    "address",
    "reg_authority",
    "jurisdiction",
    "region",
    "industry",
    "risk_class",
    "status",
    "active",
    "note",
)


@dataclass
class TargetChunk:
    """A batch of generated targets with their licences and tags, keyed by the target's code."""

    rows: list[dict[str, Any]]
    # (code, licence name, number, valid_from, valid_to)
    licences: list[tuple[str, str, str, date, date | None]]
    # (code, (tag kind, tag name))
    tags: list[tuple[str, tuple[str, str]]]


_COLLECTIVE = "农村集体经济"
_COLLECTIVE_SHARE = 0.006
_CITY_REGISTERED_SHARE = 0.08  # enterprises registered by the city bureau (区划码 of the city)


class TargetGenerator:
    """Generates the county's market entities, chunk after chunk, from one seed.

    The rows of a chunk do not depend on how the total is cut into chunks.
    """

    def __init__(self, cfg: CountyConfig, *, seed: int, as_of: date, created_at: Any) -> None:
        self.cfg = cfg
        self.as_of = as_of
        self.created_at = created_at
        self.rng = stream(seed, "targets")
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.licence_seq: dict[str, int] = {}
        self.industries = Weighted([(ind, ind.weight) for ind in cfg.industries])
        self.towns = Weighted([(t, t.weight) for t in cfg.towns])
        self.town_by_industry = {
            ind.name: Weighted([(t, t.weight * ind.region_boost.get(t.name, 1.0)) for t in cfg.towns])
            for ind in cfg.industries
            if ind.region_boost
        }
        collectives = [(t, v) for t in cfg.towns for v in t.villages]
        self.rng.shuffle(collectives)
        self.collectives = collectives
        self.format_fields = cfg.format_fields()
        self.trade_chars = cfg.trade_chars
        self.uscc = UsccBuilder()

    # -- parts -------------------------------------------------------------------------------

    def _trade(self) -> list[str]:
        """A two-character 字号 of two different characters."""
        chars = self.trade_chars
        a = pick(self.rng, chars)
        b = pick(self.rng, chars)
        while b == a:
            b = pick(self.rng, chars)
        return [a, b]

    def _code(self, kind: TargetKind, *, regno: bool, city: bool, founded_late: bool) -> tuple[str, CodeKind]:
        rng = self.rng
        region = self.cfg.city_code if city else self.cfg.county_code
        while True:
            if regno:
                lead = "6" if kind == TargetKind.INDIVIDUAL else "0"
                code = make_regno(region, lead + f"{below(rng, 10_000_000):07d}")
                kind_code = CodeKind.REGNO
            else:
                if founded_late:
                    # Codes assigned since 2015 start with "MA" followed by USCC characters.
                    body = "MA" + _base31(below(rng, 31**6), 6)
                else:
                    body = f"{between(rng, 10_000_000, 99_999_999)}"
                if kind == TargetKind.OTHER:
                    authority, category = "N", "2"  # 农业 / 村级集体经济组织
                elif kind == TargetKind.INDIVIDUAL:
                    authority, category = "9", "2"
                elif kind == TargetKind.COOPERATIVE:
                    authority, category = "9", "3"
                else:
                    authority, category = "9", "1"
                code = self.uscc.make(authority + category + region, body)
                kind_code = CodeKind.USCC
            if code not in self.codes:
                self.codes.add(code)
                return code, kind_code

    def _name_parts(
        self, ind: IndustrySpec, kind: TargetKind, town: Town, surname: str, given: str
    ) -> list[str]:
        """One candidate name, as parts whose pinyin initials are cached separately."""
        rng = self.rng
        cfg = self.cfg
        county = cfg.county
        if kind == TargetKind.ENTERPRISE:
            prefix = cfg.enterprise_prefixes.pick(rng).format(
                county=county, county_short=cfg.county_short, city_short=cfg.city_short
            )
            words = ind.ent_words or ind.shop_words
            return [prefix, *self._trade(), pick(rng, words), cfg.enterprise_forms.pick(rng)]
        if kind == TargetKind.COOPERATIVE:
            r = rng.random()
            if r < 0.3:
                place = [town.short]
            elif r < 0.5 and town.villages:
                place = [pick(rng, town.villages), "村"]
            else:
                place = self._trade()
            suffix = "农民专业合作社" if rng.random() < 0.4 else "专业合作社"
            return [county, *place, pick(rng, cfg.cooperative_products), suffix]
        shop = pick(rng, ind.shop_words or ind.ent_words)
        r = rng.random()
        if ind.trade_names and r < 0.5:
            return [county, town.name, pick(rng, ind.trade_names), shop]
        if r < 0.45:
            return [county, town.name, *self._trade(), shop]
        if r < 0.6:
            return [county, town.name, surname, "记", shop]
        if r < 0.85:
            return [county, surname, *given, shop]
        if r < 0.92:
            return [county, town.name, "老", surname, shop]
        place = [pick(rng, town.villages), "村"] if town.villages else [pick(rng, town.roads)]
        return [county, town.name, *place, shop]

    def _unique_name(
        self, ind: IndustrySpec, kind: TargetKind, town: Town, surname: str, given: str
    ) -> list[str]:
        """A name no other generated target has: registries refuse duplicate names."""
        for _ in range(8):
            parts = self._name_parts(ind, kind, town, surname, given)
            name = "".join(parts)
            if name not in self.names:
                self.names.add(name)
                return parts
        n = 2
        while f"{name}（{n}）" in self.names:
            n += 1
        self.names.add(f"{name}（{n}）")
        return [*parts, f"（{n}）"]

    def _address(self, town: Town) -> str:
        rng = self.rng
        county = self.cfg.county
        if town.urban:
            road = pick(rng, town.roads)
            num = between(rng, 1, 399)
            extra = ""
            r = rng.random()
            if r < 0.15:
                extra = f"{between(rng, 1, 30)}号门面"
            elif r < 0.25:
                extra = f"{between(rng, 1, 12)}栋{between(rng, 1, 20)}层"
            return f"{county}{town.name}{road}{num}号{extra}"
        if rng.random() < 0.5:
            return f"{county}{town.name}{pick(rng, town.streets)}{between(rng, 1, 199)}号"
        return f"{county}{town.name}{pick(rng, town.villages)}村{between(rng, 1, 12)}组"

    def _licences(self, ind: IndustrySpec, code: str, chunk: TargetChunk) -> None:
        rng = self.rng
        for spec in ind.licences:
            if rng.random() >= spec.probability:
                continue
            years = spec.years or 5
            valid_from = self.as_of - timedelta(days=between(rng, 10, years * 365 + 150))
            valid_to = add_years(valid_from, spec.years) - timedelta(days=1) if spec.years else None
            seq = self.licence_seq.get(spec.name, 0) + 1
            self.licence_seq[spec.name] = seq
            number = spec.number.format(
                **self.format_fields, year=valid_from.year, seq=seq, d1=below(rng, 10)
            )
            chunk.licences.append((code, spec.name, number, valid_from, valid_to))
            chunk.tags.append((code, ("许可类别", spec.name)))

    # -- one target --------------------------------------------------------------------------

    def _one(self, chunk: TargetChunk) -> None:
        rng = self.rng
        cfg = self.cfg
        ind: IndustrySpec = self.industries.pick(rng)
        industry = ind.name
        kind: TargetKind = ind.kinds.pick(rng)
        collective = None
        if rng.random() < _COLLECTIVE_SHARE and self.collectives:
            collective = self.collectives.pop()
            kind, industry = TargetKind.OTHER, _COLLECTIVE
        town: Town = (
            collective[0] if collective else self.town_by_industry.get(ind.name, self.towns).pick(rng)
        )
        status: TargetStatus = cfg.statuses.pick(rng)
        risk: RiskClass = ind.risk.pick(rng)
        if collective:
            risk = RiskClass.A if rng.random() < 0.4 else RiskClass.B
        surname, given = person_name(cfg, rng)
        legal_rep = surname + given
        if collective:
            parts = [cfg.county, town.name, collective[1], pick(rng, cfg.collective_suffixes)]
            self.names.add("".join(parts))
        else:
            parts = self._unique_name(ind, kind, town, surname, given)

        city = kind == TargetKind.ENTERPRISE and rng.random() < _CITY_REGISTERED_SHARE
        # Entities struck off before the 2015 code reform often never received a USCC.
        old = status in (TargetStatus.REVOKED, TargetStatus.DEREGISTERED, TargetStatus.CANCELLED)
        regno = not collective and rng.random() < (0.22 if old else 0.025)
        code, code_kind = self._code(kind, regno=regno, city=city, founded_late=rng.random() < 0.62)
        if collective:
            reg_authority = cfg.agri_authority
        else:
            reg_authority = cfg.city_reg_authority if city else cfg.reg_authority
        name = "".join(parts)
        chunk.rows.append(
            {
                "uid": det_uuid(rng),
                "created_at": self.created_at,
                "updated_at": self.created_at,
                "version": 1,
                "code": code,
                "code_kind": code_kind.value,
                "name": name,
                # The whole name, as every importer does: pypinyin segments a name into words
                # across the parts (镇长 in 杨柳镇长春大药房), so joined part initials would
                # differ from what a re-import of the exported registry computes.
                "name_initials": initials(name),
                "kind": kind.value,
                "legal_rep": legal_rep,
                "phone": mobile(rng) if rng.random() < 0.97 else "",
                "address": self._address(town),
                "reg_authority": reg_authority,
                "jurisdiction": f"{cfg.reg_authority}{town.office}",
                "region": town.name,
                "industry": industry,
                "risk_class": risk.value,
                "status": status.value,
                "active": True,
                "note": "",
            }
        )
        if status == TargetStatus.ACTIVE and not collective:
            self._licences(ind, code, chunk)
        if not collective:
            for tag_kind, tag_name, p in ind.tags:
                if rng.random() < p:
                    chunk.tags.append((code, (tag_kind, tag_name)))

    def chunk(self, n: int) -> TargetChunk:
        """Generate the next ``n`` targets."""
        out = TargetChunk([], [], [])
        for _ in range(n):
            self._one(out)
        return out


# ---------------------------------------------------------------------------------------------
# Inspectors


@dataclass(frozen=True)
class CertificateSpec:
    kind: str
    number: str
    issuer: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class InspectorSpec:
    """One generated inspector; ``department`` is a key of ``county.json``'s departments."""

    uid: str
    department: str
    staff_no: str
    name: str
    gender: str
    id_number: str
    phone: str
    education: str
    major: str
    post_category: str
    post_since: date
    qualifications: str
    enforcement_scope: str
    region: str
    level: str
    title: str
    unit: str
    is_expert: bool
    active: bool
    note: str
    certificates: tuple[CertificateSpec, ...]
    tags: tuple[tuple[str, str], ...]


def generate_inspectors(cfg: CountyConfig, *, seed: int, as_of: date) -> list[InspectorSpec]:
    """About 120 inspectors across the departments, plus the expert pool.

    A fixed share of them is made irregular, so every county has some: expired certificates
    (~8%), 失效 inspectors (~5%), six market-supervision officers with two certificates, two
    officers without a certificate yet, and experts who hold none.
    """
    rng = stream(seed, "inspectors")
    slots: list[tuple[DepartmentSpec, int]] = []
    for dept in cfg.departments:
        slots.extend((dept, k) for k in range(1, dept.inspectors + 1))
    n = len(slots)
    order = list(range(n))
    rng.shuffle(order)
    n_expired = max(2, round(n * 0.08))
    n_inactive = max(2, round(n * 0.05))
    expired = set(order[:n_expired])
    inactive = set(order[n_expired : n_expired + n_inactive])
    no_cert = set(order[n_expired + n_inactive : n_expired + n_inactive + 2])
    scjg = [i for i, (d, _) in enumerate(slots) if d.key == cfg.departments[0].key]
    two_certs = {i for i in scjg if i not in expired | inactive | no_cert}
    two_certs = set(sorted(two_certs)[:: max(1, len(two_certs) // 6)][:6])

    offices = list(dict.fromkeys(t.office for t in cfg.towns))
    office_town = {t.office: t.name for t in cfg.towns if t.office.startswith(t.short)}
    used_names: set[str] = set()
    used_ids: set[str] = set()
    cert_seq = 0
    out: list[InspectorSpec] = []

    def unique_name(male: bool) -> str:
        while True:
            s, g = person_name(cfg, rng, male=male)
            if s + g not in used_names:
                used_names.add(s + g)
                return s + g

    def id_number(male: bool, birth: date) -> str:
        while True:
            seq = rng.randrange(0, 1000)
            if (seq % 2 == 1) != male:
                seq = (seq + 1) % 1000
            number = make_id_number(cfg.county_code, birth, seq)
            if number not in used_ids:
                used_ids.add(number)
                return number

    for index, (dept, k) in enumerate(slots):
        dept_no = cfg.departments.index(dept) + 1
        male = rng.random() < 0.66
        birth = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
        post_since = max(
            add_years(birth, 22) + timedelta(days=rng.randint(0, 700)),
            as_of - timedelta(days=rng.randint(200, 9000)),
        )
        post_since = min(post_since, as_of - timedelta(days=90))
        region, unit = cfg.county, rng.choice(dept.units)
        if dept.town_offices and rng.random() < 0.4:
            unit = rng.choice(offices)
            region = office_town.get(unit, cfg.county)
        post_category = "执法辅助" if index in no_cert else cfg.post_categories.pick(rng)
        certs: list[CertificateSpec] = []
        if index not in no_cert:
            cert_seq += 1
            if index in expired:
                valid_to = as_of - timedelta(days=rng.randint(5, 420))
            else:
                valid_to = as_of + timedelta(days=rng.randint(90, 1800))
            valid_from = add_years(valid_to, -5) + timedelta(days=1)
            number = f"{cfg.county_code}{dept_no:02d}{cert_seq:04d}"
            certs.append(CertificateSpec("省执法证", number, cfg.certificate_issuer, valid_from, valid_to))
            if index in two_certs:
                valid_to2 = as_of + timedelta(days=rng.randint(120, 1500))
                certs.append(
                    CertificateSpec(
                        "工商执法证",
                        f"SG{cfg.county_code}{cert_seq:04d}",
                        f"{cfg.province}市场监督管理局",
                        add_years(valid_to2, -5) + timedelta(days=1),
                        valid_to2,
                    )
                )
        quals = rng.sample(dept.qualifications, k=min(len(dept.qualifications), rng.choice((1, 1, 2))))
        specs = rng.sample(dept.specialities, k=min(len(dept.specialities), rng.choice((1, 2, 2, 3))))
        scope = rng.sample(dept.scope, k=min(len(dept.scope), rng.randint(2, 4)))
        name = unique_name(male)
        tags = [("执法资质", q) for q in quals] if certs else []
        tags += [("业务专长", s) for s in specs]
        out.append(
            InspectorSpec(
                uid=det_uuid(rng),
                department=dept.key,
                staff_no=f"QS{dept_no:02d}{k:03d}",
                name=name,
                gender="男" if male else "女",
                id_number=id_number(male, birth),
                phone=mobile(rng),
                education=cfg.education.pick(rng),
                major=rng.choice(cfg.majors),
                post_category=post_category,
                post_since=post_since,
                qualifications="行政执法资格" if certs else "",
                enforcement_scope="，".join(scope),
                region=region,
                level="市级" if dept.city_level else "县级",
                title=cfg.titles.pick(rng),
                unit=unit,
                is_expert=False,
                active=index not in inactive,
                note=rng.choice(("已调离执法岗位", "已退休", "长期病休")) if index in inactive else "",
                certificates=tuple(certs),
                tags=tuple(tags),
            )
        )

    for n_exp, expert in enumerate(cfg.experts, start=1):
        male = rng.random() < 0.6
        birth = date(rng.randint(1962, 1988), rng.randint(1, 12), rng.randint(1, 28))
        out.append(
            InspectorSpec(
                uid=det_uuid(rng),
                department=expert.department,
                staff_no=f"ZJ{n_exp:03d}",
                name=unique_name(male),
                gender="男" if male else "女",
                id_number=id_number(male, birth),
                phone=mobile(rng),
                education=rng.choice(("大学本科", "硕士研究生")),
                major=rng.choice(cfg.majors),
                post_category="专家",
                post_since=as_of - timedelta(days=rng.randint(400, 3000)),
                qualifications=expert.qualification,
                enforcement_scope="",
                region=cfg.county,
                level="县级",
                title="专家",
                unit=expert.unit,
                is_expert=True,
                active=True,
                note="专家库成员，不计入执法人员人数",
                certificates=(),
                tags=(("业务专长", expert.speciality),),
            )
        )
    return out
