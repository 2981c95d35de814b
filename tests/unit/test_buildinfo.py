"""Version and build date: what 关于, `liancha --version` and `liancha info` report."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app import __version__, buildinfo
from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _load_writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "write_build_info", ROOT / "installer" / "write_build_info.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_build(monkeypatch: pytest.MonkeyPatch, date: str) -> None:
    module = ModuleType(buildinfo.BUILD_INFO_MODULE)
    module.BUILD_DATE = date  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, buildinfo.BUILD_INFO_MODULE, module)


def test_a_checkout_is_a_development_version() -> None:
    # The generated module must never be committed; its absence means "not a build".
    assert not (ROOT / "app" / "_build_info.py").exists()
    assert buildinfo.build_date() is None
    assert buildinfo.version_line() == f"联查 LianCha {__version__}（构建日期：开发版本）"


def test_a_build_reports_its_date(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(monkeypatch, "2026-12-05 08:30 UTC")
    assert buildinfo.build_date() == "2026-12-05 08:30 UTC"
    assert buildinfo.version_line() == f"联查 LianCha {__version__}（构建日期：2026-12-05 08:30 UTC）"


def test_an_empty_build_date_counts_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(monkeypatch, "")
    assert buildinfo.build_date() is None


def test_the_build_script_writes_an_importable_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = _load_writer()
    target = tmp_path / "_build_info.py"
    monkeypatch.setattr(writer, "TARGET", target)
    writer.main()
    namespace: dict[str, object] = {}
    exec(compile(target.read_text(encoding="utf-8"), str(target), "exec"), namespace)
    stamp = namespace["BUILD_DATE"]
    assert isinstance(stamp, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", stamp)


def test_cli_version_names_the_build(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"联查 LianCha {__version__}（构建日期：开发版本）"
    _fake_build(monkeypatch, "2026-12-05 08:30 UTC")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "构建日期：2026-12-05 08:30 UTC" in capsys.readouterr().out


def test_cli_info_names_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_build(monkeypatch, "2026-12-05 08:30 UTC")
    assert main(["--db", str(tmp_path / "x.sqlite3"), "info"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"联查 LianCha {__version__}（构建日期：2026-12-05 08:30 UTC）"
