from tests.fixtures import ctx, db_path  # noqa: F401 - pytest fixtures
