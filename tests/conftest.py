"""Shared test set-up.

Qt aborts the interpreter when a QApplication is created with no display, so the
platform is forced to offscreen here, before anything can import PySide6.

``LIANCHA_TEST_DB_URL`` (a PostgreSQL URL) runs the suite on PostgreSQL instead of SQLite files
(tests/dbs.py). Tests marked ``sqlite_only`` or ``postgres_only`` are skipped on the other database.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep tests away from the real user's data folder.
os.environ.pop("LIANCHA_DB", None)

import pytest

from tests import dbs
from tests.fixtures import ctx, data_folder, db_path, db_url  # noqa: F401 - pytest fixtures


def pytest_report_header(config: pytest.Config) -> str:
    url = dbs.server_url()
    if url is None:
        return "database: SQLite files"
    from sqlalchemy import make_url

    return "database: " + make_url(url).render_as_string(hide_password=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if dbs.on_postgres() and item.get_closest_marker("sqlite_only"):
        pytest.skip("只适用于 SQLite 的测试")
    if not dbs.on_postgres() and item.get_closest_marker("postgres_only"):
        pytest.skip("需要 PostgreSQL（设置 LIANCHA_TEST_DB_URL，见 scripts/postgres.sh）")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    dbs.drop_all()
