"""``python -m nrbundle.cli``: the ``nrbundle`` command line (:func:`nrbundle.cli.run`)."""

from . import run

if __name__ == "__main__":  # pragma: no branch
    run()
