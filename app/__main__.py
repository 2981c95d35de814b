"""`python -m app` behaves exactly like the `liancha` command."""

import sys

from app.cli import main

sys.exit(main())
