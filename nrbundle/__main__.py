"""``python -m nrbundle``: the ``nrbundle`` command line (:func:`nrbundle.cli.run`)."""

from .cli import run

if __name__ == "__main__":  # pragma: no branch
    run()
