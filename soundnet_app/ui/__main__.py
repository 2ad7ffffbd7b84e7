"""``python -m soundnet_app.ui [PATH]``: same as the ``soundnet`` command."""

import sys

from soundnet_app.ui.app import main

sys.exit(main())
