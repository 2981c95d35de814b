"""The desktop interface (PySide6 only here).

Importing it first applies ``qtcompat``'s guard against a defect of PySide6 6.12.0.
"""

from app.ui import qtcompat as _qtcompat  # noqa: F401 - imported for its guard
