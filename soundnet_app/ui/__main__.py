"""``python -m soundnet_app.ui [PATH]``: same as the ``soundnet`` command."""

import sys

from .app import main

sys.exit(main())
