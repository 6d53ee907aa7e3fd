"""Run Pelican with every log line prefixed by its level, for the build to judge.

Pelican's ``--fatal errors`` would stop the whole build at the first broken content file
(a missing title, an unknown status), which must instead leave out only that item.
Without it, Pelican's plain log does not say which lines are errors. This wrapper
installs the log handler before Pelican does (Pelican's ``basicConfig`` then leaves it
alone), so ``build.py`` can tell an item Pelican skipped from a real failure.
Usage: ``python publishing/pelican_child.py <pelican arguments>``.
"""

from __future__ import annotations

import logging
import sys


def main() -> None:
    """Configure logging, then hand over to Pelican's own command line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    from pelican import main as pelican_main

    pelican_main(sys.argv[1:])


if __name__ == "__main__":
    main()
