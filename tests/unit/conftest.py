from tests.fixtures import ctx, data_folder, db_path, db_url  # noqa: F401 - pytest fixtures
