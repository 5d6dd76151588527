"""``python -m nrbundle``: the ``nrbundle`` command line (:func:`nrbundle.cli.main`)."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no branch
    sys.exit(main())
