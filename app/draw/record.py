"""The draw record: what was drawn, from what, how, before whom — and its verification.

A record is a frozen ``DrawRecord``; it is written as JSON (schema: ``docs/draw-record.md``)
carrying the full id lists, so that ``verify_record`` — or anyone with the reference
package ``consistent-sampler`` — can re-run every step from the file alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from app.draw.errors import Constraint, DrawConstraintError, DrawParameterError
from app.draw.population import make_population, population_hash
from app.draw.sampling import ALGORITHM_NAME, ALGORITHM_VERSION, REFERENCE_IMPLEMENTATION, Ticketed, sample
from app.draw.targets import Exclusion, StratumDraw, StratumRule, TargetDraw, sample_size
from app.draw.teams import (
    DepartmentQuota,
    ExpertCandidate,
    InspectorCandidate,
    Role,
    Skip,
    Team,
    TeamDraw,
    TeamMember,
    TeamPlan,
    draw_teams,
    rule_violations,
)

logger = logging.getLogger(__name__)

RECORD_FORMAT = "liancha-draw-record"
RECORD_FORMAT_VERSION = 1

_T = TypeVar("_T")


class DrawKind(StrEnum):
    """What a record covers."""

    TARGETS = "targets"
    INSPECTORS = "inspectors"
    TARGETS_AND_INSPECTORS = "targets_and_inspectors"


class SeedMethod(StrEnum):
    """How the seed was produced (details go in ``SeedInfo.description``)."""

    DICE = "dice"  # ten-sided dice rolled by several parties before witnesses
    LOTTERY = "lottery"  # a public lottery result named in advance (RFC 3797 style)
    MACHINE = "machine"  # the computer's own randomness, for draws without witnesses
    COMBINED = "combined"  # several sources joined, e.g. dice plus lottery
    OTHER = "other"


SEED_METHOD_LABELS = {
    SeedMethod.DICE: "现场掷骰",
    SeedMethod.LOTTERY: "公开开奖号码",
    SeedMethod.MACHINE: "计算机随机数",
    SeedMethod.COMBINED: "多种来源组合",
    SeedMethod.OTHER: "其他",
}


@dataclass(frozen=True, slots=True)
class SeedInfo:
    """The seed and how it came about.

    Attributes:
        value: The exact seed string (UTF-8).
        method: The kind of source.
        description: Who rolled, which lottery draw, how the digits were joined, …
    """

    value: str
    method: SeedMethod
    description: str = ""


@dataclass(frozen=True, slots=True)
class Witness:
    """A person who watched the draw (公证员, 人大代表, 政协委员, 部门代表 …)."""

    name: str
    role: str = ""


@dataclass(frozen=True, slots=True)
class Replacement:
    """A reference from a new draw to the voided draw it replaces."""

    record_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Voiding:
    """Why, when and by whom a draw was voided; the record itself is kept."""

    reason: str
    voided_at: datetime
    operator: str


@dataclass(frozen=True, slots=True)
class DrawRecord:
    """Everything a printed or JSON draw record carries.

    Attributes:
        record_id: Stable id of this record (chosen by the caller, e.g. a UUID).
        task_number: The task's number.
        task_name: The task's name.
        drawn_at: When the draw ran (timezone-aware).
        operator: Who ran it.
        witnesses: Who watched.
        seed: The seed and its provenance.
        algorithm: Algorithm name (``sampling.ALGORITHM_NAME`` when drawn).
        algorithm_version: Algorithm version (``sampling.ALGORITHM_VERSION`` when drawn).
        targets: The target draw, if this record covers one.
        teams: The inspector selection and team matching, if this record covers one.
        replaces: Voided draws this one replaces.
        void: Set when this draw was voided.
    """

    record_id: str
    task_number: str
    task_name: str
    drawn_at: datetime
    operator: str
    witnesses: tuple[Witness, ...]
    seed: SeedInfo
    algorithm: str = ALGORITHM_NAME
    algorithm_version: str = ALGORITHM_VERSION
    targets: TargetDraw | None = None
    teams: TeamDraw | None = None
    replaces: tuple[Replacement, ...] = ()
    void: Voiding | None = None

    def __post_init__(self) -> None:
        if self.targets is None and self.teams is None:
            raise DrawParameterError("抽取记录必须包含对象抽取或人员选派中的至少一项", field="kind")
        if self.drawn_at.tzinfo is None:
            raise DrawParameterError("抽取时间必须带时区", field="drawn_at")
        for section in (self.targets, self.teams):
            if section is not None and section.seed != self.seed.value:
                raise DrawParameterError("抽取结果使用的种子与记录中的种子不一致", field="seed")

    @property
    def kind(self) -> DrawKind:
        """Which draws this record covers."""
        if self.targets is not None and self.teams is not None:
            return DrawKind.TARGETS_AND_INSPECTORS
        return DrawKind.TARGETS if self.targets is not None else DrawKind.INSPECTORS


def void_record(record: DrawRecord, *, reason: str, voided_at: datetime, operator: str) -> DrawRecord:
    """Return the record marked void; the draw itself stays on it.

    Args:
        record: The record to void.
        reason: Why (required).
        voided_at: When (timezone-aware).
        operator: Who.

    Returns:
        A copy of the record carrying the voiding.
    """
    if not reason.strip():
        raise DrawParameterError("作废抽取结果必须填写原因", field="reason")
    if record.void is not None:
        raise DrawParameterError(
            f"抽取记录 {record.record_id} 已于 {record.void.voided_at} 作废", field="void"
        )
    return replace(record, void=Voiding(reason=reason, voided_at=voided_at, operator=operator))


# ---------------------------------------------------------------------------------------
# Writing


def _tickets(items: Iterable[Ticketed]) -> list[dict[str, str]]:
    return [{"id": item.id, "ticket": item.ticket} for item in items]


def _optional_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _targets_json(draw: TargetDraw) -> dict[str, Any]:
    return {
        "exclusions": [{"id": e.id, "risk_class": e.risk_class, "reason": e.reason} for e in draw.exclusions],
        "strata": [
            {
                "stratum": s.stratum,
                "population_size": s.population_size,
                "population_hash": s.population_hash,
                "ratio": str(s.ratio) if s.ratio is not None else None,
                "fixed_count": s.fixed_count,
                "sample_size": s.sample_size,
                "rounding_note": s.rounding_note,
                "selection": _tickets(s.selection),
                "population_ids": list(s.population_ids),
            }
            for s in draw.strata
        ],
    }


def _teams_json(draw: TeamDraw) -> dict[str, Any]:
    plan = draw.plan
    return {
        "plan": {
            "task_number": plan.task_number,
            "start": plan.start.isoformat(),
            "end": plan.end.isoformat(),
            "team_count": plan.team_count,
            "lead_department": plan.lead_department,
            "quotas": [{"department": q.department, "officers": q.officers} for q in plan.quotas],
            "experts_per_team": plan.experts_per_team,
        },
        "target_hash": draw.target_hash,
        "inspector_hash": draw.inspector_hash,
        "expert_hash": draw.expert_hash,
        "team_order": _tickets(draw.team_order),
        "teams": [
            {
                "team_id": team.team_id,
                "number": team.number,
                "targets": _tickets(team.targets),
                "members": [
                    {"id": m.id, "department": m.department, "role": str(m.role), "ticket": m.ticket}
                    for m in team.members
                ],
                "skipped": [
                    {"id": s.id, "department": s.department, "constraint": str(s.constraint)}
                    for s in team.skipped
                ],
            }
            for team in draw.teams
        ],
        "target_ids": list(draw.target_ids),
        "inspector_pool": [
            {
                "id": i.id,
                "department": i.department,
                "certificate_number": i.certificate_number,
                "certificate_valid_from": _optional_date(i.certificate_valid_from),
                "certificate_valid_until": _optional_date(i.certificate_valid_until),
                "active": i.active,
                "conflicts": sorted(i.conflicts),
            }
            for i in draw.inspectors
        ],
        "expert_pool": [
            {"id": e.id, "active": e.active, "conflicts": sorted(e.conflicts)} for e in draw.experts
        ],
    }


def record_to_json(record: DrawRecord) -> dict[str, Any]:
    """Return the record as a JSON-ready dict (schema in ``docs/draw-record.md``).

    Args:
        record: The record.

    Returns:
        A dict of JSON types only.
    """
    return {
        "format": RECORD_FORMAT,
        "format_version": RECORD_FORMAT_VERSION,
        "record_id": record.record_id,
        "kind": str(record.kind),
        "task": {"number": record.task_number, "name": record.task_name},
        "drawn_at": record.drawn_at.isoformat(),
        "operator": record.operator,
        "witnesses": [{"name": w.name, "role": w.role} for w in record.witnesses],
        "algorithm": {
            "name": record.algorithm,
            "version": record.algorithm_version,
            "reference": REFERENCE_IMPLEMENTATION,
        },
        "seed": {
            "value": record.seed.value,
            "method": str(record.seed.method),
            "description": record.seed.description,
        },
        "replaces": [{"record_id": r.record_id, "reason": r.reason} for r in record.replaces],
        "void": (
            None
            if record.void is None
            else {
                "reason": record.void.reason,
                "voided_at": record.void.voided_at.isoformat(),
                "operator": record.void.operator,
            }
        ),
        "targets": _targets_json(record.targets) if record.targets is not None else None,
        "inspectors": _teams_json(record.teams) if record.teams is not None else None,
    }


def record_to_text(record: DrawRecord) -> str:
    """Return the record as UTF-8-ready JSON text (Chinese kept readable, one field per line).

    Args:
        record: The record.

    Returns:
        JSON text ending with a newline.
    """
    return json.dumps(record_to_json(record), ensure_ascii=False, indent=1) + "\n"


def record_fingerprint(record: DrawRecord) -> str:
    """Return the SHA-256 of the record's canonical JSON, to print on the paper record.

    A reader can then tell that a JSON file is the one the printed record describes.

    Args:
        record: The record.

    Returns:
        64 lower-case hexadecimal characters.
    """
    canonical = json.dumps(record_to_json(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_record(record: DrawRecord, path: Path) -> None:
    """Write the record as JSON (UTF-8), replacing the file atomically.

    Args:
        record: The record.
        path: Destination file.
    """
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(record_to_text(record), encoding="utf-8")
    temporary.replace(path)


# ---------------------------------------------------------------------------------------
# Reading


class RecordFormatError(ValueError):
    """A record file cannot be read: not JSON, or a field is missing or of the wrong type.

    Attributes:
        field: Path of the offending field, e.g. ``"targets.strata[2].selection[0].id"``.
        source: File name, when read from a file.
        problem: What is wrong with the field.
    """

    def __init__(self, problem: str, *, field: str = "", source: str = "") -> None:
        self.field = field
        self.source = source
        self.problem = problem
        where = f"抽取记录文件 {source}" if source else "抽取记录"
        super().__init__(f"{where}：字段 {field}：{problem}" if field else f"{where}：{problem}")


class _Fields:
    """Typed access to one JSON object, naming the full field path in every error."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise RecordFormatError(f"应为 JSON 对象，实际为 {_json_type(value)}", field=path or "（根）")
        self.data: dict[str, object] = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> object:
        if key not in self.data:
            raise RecordFormatError("缺少该字段", field=self.at(key))
        return self.data[key]

    def string(self, key: str, *, required: bool = False) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise RecordFormatError(f"应为字符串，实际为 {_json_type(value)}", field=self.at(key))
        if required and not value:
            raise RecordFormatError("不能为空", field=self.at(key))
        return value

    def optional_string(self, key: str) -> str | None:
        return None if self.raw(key) is None else self.string(key)

    def integer(self, key: str, *, minimum: int = 0) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordFormatError(f"应为整数，实际为 {_json_type(value)}", field=self.at(key))
        if value < minimum:
            raise RecordFormatError(f"不能小于 {minimum}，实际为 {value}", field=self.at(key))
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self.raw(key) is None else self.integer(key)

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise RecordFormatError(f"应为 true 或 false，实际为 {_json_type(value)}", field=self.at(key))
        return value

    def items(self, key: str) -> list[tuple[object, str]]:
        """Return the list's elements, each with its field path."""
        value = self.raw(key)
        if not isinstance(value, list):
            raise RecordFormatError(f"应为数组，实际为 {_json_type(value)}", field=self.at(key))
        return [(element, f"{self.at(key)}[{index}]") for index, element in enumerate(value)]

    def objects(self, key: str) -> list[_Fields]:
        return [_Fields(element, path) for element, path in self.items(key)]

    def strings(self, key: str) -> list[str]:
        result: list[str] = []
        for element, path in self.items(key):
            if not isinstance(element, str):
                raise RecordFormatError(f"应为字符串，实际为 {_json_type(element)}", field=path)
            result.append(element)
        return result

    def choice(self, key: str, enum: Callable[[str], _T]) -> _T:
        value = self.string(key)
        try:
            return enum(value)
        except ValueError:
            raise RecordFormatError(f"取值 {value!r} 无效", field=self.at(key)) from None

    def day(self, key: str) -> date:
        value = self.string(key)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise RecordFormatError(
                f"应为 YYYY-MM-DD 格式的日期，实际为 {value!r}", field=self.at(key)
            ) from None

    def optional_day(self, key: str) -> date | None:
        return None if self.raw(key) is None else self.day(key)

    def moment(self, key: str) -> datetime:
        value = self.string(key)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise RecordFormatError(
                f"应为带时区的 ISO 8601 时间（如 2025-04-01T09:30:00+08:00），实际为 {value!r}",
                field=self.at(key),
            )
        return moment

    def section(self, key: str) -> _Fields | None:
        value = self.raw(key)
        return None if value is None else _Fields(value, self.at(key))

    def tickets(self, key: str) -> tuple[Ticketed, ...]:
        return tuple(Ticketed(item.string("id"), item.string("ticket")) for item in self.objects(key))


def _json_type(value: object) -> str:
    names: Mapping[type, str] = {
        dict: "对象",
        list: "数组",
        str: "字符串",
        bool: "布尔值",
        int: "整数",
        float: "小数",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _ratio(fields: _Fields, key: str) -> Decimal | None:
    text = fields.optional_string(key)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RecordFormatError(f'应为小数文本（如 "0.05"），实际为 {text!r}', field=fields.at(key)) from None
    if not value.is_finite() or value < 0 or value > 1:
        raise RecordFormatError(f"比例应在 0 到 1 之间，实际为 {text}", field=fields.at(key))
    return value


def _read_targets(fields: _Fields, seed: str, algorithm: tuple[str, str]) -> TargetDraw:
    strata: list[StratumDraw] = []
    for item in fields.objects("strata"):
        ratio = _ratio(item, "ratio")
        fixed = item.optional_integer("fixed_count")
        if (ratio is None) == (fixed is None):
            raise RecordFormatError("ratio 与 fixed_count 必须且只能有一个不为 null", field=item.path)
        strata.append(
            StratumDraw(
                stratum=item.string("stratum"),
                population_size=item.integer("population_size"),
                population_ids=tuple(item.strings("population_ids")),
                population_hash=item.string("population_hash"),
                ratio=ratio,
                fixed_count=fixed,
                sample_size=item.integer("sample_size"),
                rounding_note=item.string("rounding_note"),
                selection=item.tickets("selection"),
            )
        )
    exclusions = tuple(
        Exclusion(id=e.string("id"), reason=e.string("reason"), risk_class=e.string("risk_class"))
        for e in fields.objects("exclusions")
    )
    return TargetDraw(
        seed=seed,
        algorithm=algorithm[0],
        algorithm_version=algorithm[1],
        strata=tuple(strata),
        exclusions=exclusions,
    )


def _read_plan(fields: _Fields) -> TeamPlan:
    quotas = tuple(
        DepartmentQuota(
            department=q.string("department", required=True), officers=q.integer("officers", minimum=1)
        )
        for q in fields.objects("quotas")
    )
    try:
        return TeamPlan(
            task_number=fields.string("task_number", required=True),
            start=fields.day("start"),
            end=fields.day("end"),
            team_count=fields.integer("team_count", minimum=1),
            lead_department=fields.string("lead_department", required=True),
            quotas=quotas,
            experts_per_team=fields.integer("experts_per_team"),
        )
    except DrawParameterError as exc:
        raise RecordFormatError(str(exc), field=fields.at(exc.field) if exc.field else fields.path) from None


def _read_teams(fields: _Fields, seed: str, algorithm: tuple[str, str]) -> TeamDraw:
    plan = _read_plan(_Fields(fields.raw("plan"), fields.at("plan")))
    inspectors = tuple(
        InspectorCandidate(
            id=i.string("id"),
            department=i.string("department"),
            certificate_number=i.string("certificate_number"),
            certificate_valid_from=i.optional_day("certificate_valid_from"),
            certificate_valid_until=i.optional_day("certificate_valid_until"),
            active=i.boolean("active"),
            conflicts=frozenset(i.strings("conflicts")),
        )
        for i in fields.objects("inspector_pool")
    )
    experts = tuple(
        ExpertCandidate(
            id=e.string("id"), active=e.boolean("active"), conflicts=frozenset(e.strings("conflicts"))
        )
        for e in fields.objects("expert_pool")
    )
    teams = tuple(
        Team(
            team_id=t.string("team_id"),
            number=t.integer("number", minimum=1),
            targets=t.tickets("targets"),
            members=tuple(
                TeamMember(
                    id=m.string("id"),
                    department=m.string("department"),
                    role=m.choice("role", Role),
                    ticket=m.string("ticket"),
                )
                for m in t.objects("members")
            ),
            skipped=tuple(
                Skip(
                    id=s.string("id"),
                    department=s.string("department"),
                    constraint=s.choice("constraint", Constraint),
                )
                for s in t.objects("skipped")
            ),
        )
        for t in fields.objects("teams")
    )
    return TeamDraw(
        seed=seed,
        algorithm=algorithm[0],
        algorithm_version=algorithm[1],
        plan=plan,
        target_ids=tuple(fields.strings("target_ids")),
        target_hash=fields.string("target_hash"),
        inspectors=inspectors,
        inspector_hash=fields.string("inspector_hash"),
        experts=experts,
        expert_hash=fields.string("expert_hash"),
        team_order=fields.tickets("team_order"),
        teams=teams,
    )


def record_from_json(data: object) -> DrawRecord:
    """Build a record from parsed JSON, checking every field's presence and type.

    Args:
        data: The result of ``json.load``.

    Returns:
        The record. Its contents are not yet verified: use ``verify_record``.

    Raises:
        RecordFormatError: Naming the first field that is missing or malformed, or an
            algorithm or format version this program does not implement.
    """
    root = _Fields(data, "")
    if root.string("format") != RECORD_FORMAT:
        raise RecordFormatError(f"不是联查抽取记录（应为 {RECORD_FORMAT!r}）", field="format")
    version = root.integer("format_version")
    if version != RECORD_FORMAT_VERSION:
        raise RecordFormatError(
            f"记录格式版本为 {version}，本程序只能读取版本 {RECORD_FORMAT_VERSION}，请使用对应版本的联查",
            field="format_version",
        )
    algorithm_fields = _Fields(root.raw("algorithm"), "algorithm")
    algorithm = (algorithm_fields.string("name"), algorithm_fields.string("version"))
    if algorithm != (ALGORITHM_NAME, ALGORITHM_VERSION):
        raise RecordFormatError(
            f"记录使用的算法为 {algorithm[0]} 版本 {algorithm[1]}，本程序实现的是 {ALGORITHM_NAME} 版本 "
            f"{ALGORITHM_VERSION}，无法在此核验",
            field="algorithm",
        )
    seed_fields = _Fields(root.raw("seed"), "seed")
    seed = SeedInfo(
        value=seed_fields.string("value", required=True),
        method=seed_fields.choice("method", SeedMethod),
        description=seed_fields.string("description"),
    )
    task = _Fields(root.raw("task"), "task")
    targets_fields = root.section("targets")
    teams_fields = root.section("inspectors")
    targets = _read_targets(targets_fields, seed.value, algorithm) if targets_fields is not None else None
    teams = _read_teams(teams_fields, seed.value, algorithm) if teams_fields is not None else None
    void_fields = root.section("void")
    try:
        record = DrawRecord(
            record_id=root.string("record_id", required=True),
            task_number=task.string("number"),
            task_name=task.string("name"),
            drawn_at=root.moment("drawn_at"),
            operator=root.string("operator"),
            witnesses=tuple(
                Witness(name=w.string("name"), role=w.string("role")) for w in root.objects("witnesses")
            ),
            seed=seed,
            algorithm=algorithm[0],
            algorithm_version=algorithm[1],
            targets=targets,
            teams=teams,
            replaces=tuple(
                Replacement(record_id=r.string("record_id", required=True), reason=r.string("reason"))
                for r in root.objects("replaces")
            ),
            void=(
                None
                if void_fields is None
                else Voiding(
                    reason=void_fields.string("reason", required=True),
                    voided_at=void_fields.moment("voided_at"),
                    operator=void_fields.string("operator"),
                )
            ),
        )
    except DrawParameterError as exc:
        raise RecordFormatError(str(exc), field=exc.field) from None
    kind = root.choice("kind", DrawKind)
    if kind is not record.kind:
        raise RecordFormatError(f"记录类型为 {kind}，但记录内容为 {record.kind}", field="kind")
    return record


def load_record(path: Path) -> DrawRecord:
    """Read and parse a record file.

    Args:
        path: The JSON file.

    Returns:
        The record (not yet verified).

    Raises:
        RecordFormatError: The file cannot be read, is not JSON, or a field is malformed;
            the message names the file and the field.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RecordFormatError(f"无法读取文件（{exc.strerror or exc}）", source=str(path)) from None
    except UnicodeDecodeError:
        raise RecordFormatError("文件不是 UTF-8 编码的文本", source=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordFormatError(
            f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）", source=str(path)
        ) from None
    try:
        return record_from_json(data)
    except RecordFormatError as exc:
        raise RecordFormatError(exc.problem, field=exc.field, source=str(path)) from None


# ---------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step.

    Attributes:
        section: ``"targets"``, ``"inspectors"`` or ``"record"``.
        subject: The stratum key or team id concerned; empty for the whole section.
        aspect: What was checked: ``population_hash``, ``sample_size``, ``selection``, …
        ok: Whether it matched.
        message: What was found, in Chinese.
    """

    section: str
    subject: str
    aspect: str
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of re-running a record.

    Attributes:
        record_id: The record verified.
        checks: Every step, in the order performed.
    """

    record_id: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every check matched."""
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that did not match."""
        return tuple(check for check in self.checks if not check.ok)

    def stratum_ok(self, stratum: str) -> bool:
        """Return whether every check of one target stratum matched.

        Args:
            stratum: The stratum key.

        Returns:
            True if all checks of that stratum passed.
        """
        return all(c.ok for c in self.checks if c.section == "targets" and c.subject == stratum)


def _first_difference(expected: tuple[Ticketed, ...], recorded: tuple[Ticketed, ...]) -> str:
    for position, (want, have) in enumerate(zip(expected, recorded, strict=False), start=1):
        if want.id != have.id:
            return f"第 {position} 位应为 {want.id}，记录为 {have.id}"
        if want.ticket != have.ticket:
            return f"第 {position} 位 {want.id} 的票号应为 {want.ticket}，记录为 {have.ticket}"
    return f"应抽 {len(expected)} 个，记录列出 {len(recorded)} 个"


def _selection_message(expected: tuple[Ticketed, ...], recorded: tuple[Ticketed, ...]) -> str:
    missing = sorted({t.id for t in expected} - {t.id for t in recorded})
    extra = sorted({t.id for t in recorded} - {t.id for t in expected})
    parts = [_first_difference(expected, recorded)]
    if missing:
        parts.append(f"应抽中而记录中没有：{'、'.join(missing[:10])}{' 等' if len(missing) > 10 else ''}")
    if extra:
        parts.append(f"记录中有而不应抽中：{'、'.join(extra[:10])}{' 等' if len(extra) > 10 else ''}")
    return "；".join(parts)


def _verify_stratum(stratum: StratumDraw, seed: str) -> list[Check]:
    checks: list[Check] = []
    key = stratum.stratum

    def add(aspect: str, ok: bool, message: str) -> None:
        checks.append(Check(section="targets", subject=key, aspect=aspect, ok=ok, message=message))

    try:
        population = make_population(stratum.population_ids)
    except ValueError as exc:
        add("population_ids", False, f"总体名单无效：{exc}")
        return checks
    add(
        "population_size",
        population.size == stratum.population_size,
        f"总体 {population.size} 个"
        + (
            ""
            if population.size == stratum.population_size
            else f"，但记录写的是 {stratum.population_size} 个"
        ),
    )
    add(
        "population_hash",
        population.hash == stratum.population_hash,
        f"总体哈希 {population.hash}"
        + ("" if population.hash == stratum.population_hash else f"，但记录写的是 {stratum.population_hash}"),
    )
    try:
        rule = StratumRule(stratum=key, ratio=stratum.ratio, count=stratum.fixed_count)
    except DrawParameterError as exc:
        add("sample_size", False, f"抽取规则无效：{exc}")
        return checks
    expected_size, note = sample_size(rule, population.size)
    add(
        "sample_size",
        expected_size == stratum.sample_size,
        f"应抽 {expected_size} 个（{note}）"
        + ("" if expected_size == stratum.sample_size else f"，但记录写的是 {stratum.sample_size} 个"),
    )
    expected = tuple(sample(population.ids, seed, expected_size))
    same = expected == stratum.selection
    add(
        "selection",
        same,
        f"重新抽取结果与记录一致（{len(expected)} 个）"
        if same
        else f"抽中名单与重新抽取结果不符：{_selection_message(expected, stratum.selection)}",
    )
    return checks


def _verify_targets(draw: TargetDraw) -> list[Check]:
    checks: list[Check] = []
    if not draw.strata:
        # A real draw has a stratum per rule even when it is empty: a record without any
        # has had its population and selection removed, and must not read as 一致.
        checks.append(
            Check("targets", "", "strata", False, "记录中没有任何分层（抽取总体和抽中名单），无法核对")
        )
    for stratum in draw.strata:
        checks.extend(_verify_stratum(stratum, draw.seed))
    keys = [s.stratum for s in draw.strata]
    if len(set(keys)) != len(keys):
        checks.append(Check("targets", "", "strata", False, "同一分层在记录中出现了两次"))
    counts: dict[str, int] = {}
    for stratum in draw.strata:
        for id_ in stratum.population_ids:
            counts[id_] = counts.get(id_, 0) + 1
    repeated = sorted(id_ for id_, n in counts.items() if n > 1)
    if repeated:
        checks.append(
            Check("targets", "", "strata", False, f"对象同时出现在多个分层：{'、'.join(repeated[:10])}")
        )
    drawn_from = set(counts)
    overlap = sorted(e.id for e in draw.exclusions if e.id in drawn_from)
    no_reason = sorted(e.id for e in draw.exclusions if not e.reason.strip())
    problems = []
    if overlap:
        problems.append(f"被排除的对象出现在抽取总体中：{'、'.join(overlap[:10])}")
    if no_reason:
        problems.append(f"排除对象未写原因：{'、'.join(no_reason[:10])}")
    excluded_ids = [e.id for e in draw.exclusions]
    if len(set(excluded_ids)) != len(excluded_ids):
        problems.append("排除名单中有重复的对象")
    checks.append(
        Check(
            "targets",
            "",
            "exclusions",
            not problems,
            "；".join(problems) if problems else f"排除名单 {len(excluded_ids)} 个，均未参与抽取且注明原因",
        )
    )
    return checks


def _team_difference(expected: Team, recorded: Team) -> str:
    parts: list[str] = []
    if expected.targets != recorded.targets:
        parts.append(f"检查对象应为 {'、'.join(t.id for t in expected.targets)}")
    if expected.members != recorded.members:
        shown = "、".join(f"{m.id}（{m.department or '专家'}，{m.role}）" for m in expected.members)
        parts.append(f"成员应为 {shown}")
    if expected.skipped != recorded.skipped:
        parts.append("跳过人员及原因与重新抽取结果不符")
    if expected.team_id != recorded.team_id:
        parts.append(f"组编号应为 {expected.team_id}")
    return "；".join(parts)


def _verify_teams(draw: TeamDraw, selected: tuple[str, ...] | None) -> list[Check]:
    checks: list[Check] = []

    def add(subject: str, aspect: str, ok: bool, message: str) -> None:
        checks.append(Check(section="inspectors", subject=subject, aspect=aspect, ok=ok, message=message))

    for aspect, ids, stated, label in (
        ("target_hash", draw.target_ids, draw.target_hash, "检查对象名单"),
        ("inspector_hash", [i.id for i in draw.inspectors], draw.inspector_hash, "执法人员名录"),
        ("expert_hash", [e.id for e in draw.experts], draw.expert_hash, "专家名录"),
    ):
        actual = population_hash(ids)
        add(
            "",
            aspect,
            actual == stated,
            f"{label}哈希 {actual}" + ("" if actual == stated else f"，但记录写的是 {stated}"),
        )
    if selected is not None:
        same = sorted(selected) == sorted(draw.target_ids)
        add(
            "",
            "targets_match",
            same,
            "分组的检查对象即本记录抽中的对象" if same else "分组的检查对象名单与本记录对象抽取结果不一致",
        )
    try:
        rerun = draw_teams(
            plan=draw.plan,
            target_ids=draw.target_ids,
            inspectors=draw.inspectors,
            seed=draw.seed,
            experts=draw.experts,
        )
    except DrawConstraintError as exc:
        add("", "rerun", False, f"按记录的输入重新抽取无法完成分组：{exc}")
        rerun = None
    except ValueError as exc:
        add("", "rerun", False, f"记录中的输入无法重新抽取：{exc}")
        rerun = None
    if rerun is not None:
        same_order = rerun.team_order == draw.team_order
        add(
            "",
            "team_order",
            same_order,
            "检查组顺序一致" if same_order else "检查组票号顺序与重新抽取结果不符",
        )
        if len(rerun.teams) != len(draw.teams):
            add("", "teams", False, f"应有 {len(rerun.teams)} 个检查组，记录列出 {len(draw.teams)} 个")
        for expected, recorded in zip(rerun.teams, draw.teams, strict=False):
            same_team = expected == recorded
            add(
                expected.team_id,
                "team",
                same_team,
                f"对象 {len(expected.targets)} 个、成员 {len(expected.members)} 人，与重新抽取结果一致"
                if same_team
                else f"与重新抽取结果不符：{_team_difference(expected, recorded)}",
            )
    violations = rule_violations(draw)
    add("", "rules", not violations, "；".join(violations) if violations else "各组人员构成符合规则")
    return checks


def verify_record(record: DrawRecord) -> VerificationResult:
    """Re-run every draw on a record and compare with what it says.

    Target strata are re-drawn one by one (population hash, sample size, selection and
    tickets); the team step, when present, is re-run from the recorded plan and pools and
    compared team by team, and the team rules are checked independently.

    Args:
        record: The record (e.g. from ``load_record``).

    Returns:
        Every check with its outcome; ``ok`` only if all matched.
    """
    checks: list[Check] = []
    if record.targets is not None:
        checks.extend(_verify_targets(record.targets))
    if record.teams is not None:
        selected = record.targets.selected_ids if record.targets is not None else None
        checks.extend(_verify_teams(record.teams, selected))
    result = VerificationResult(record_id=record.record_id, checks=tuple(checks))
    logger.info(
        "verified record %s: %s", record.record_id, "ok" if result.ok else f"{len(result.failures)} failures"
    )
    return result
