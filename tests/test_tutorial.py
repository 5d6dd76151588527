"""Execute every python block of docs/tutorial.md (the documentation must run)."""

import re
import warnings
from pathlib import Path

from nrbundle.errors import TruncationWarning

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def test_tutorial_blocks_run():
    text = TUTORIAL.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    with warnings.catch_warnings():
        # the tutorial's deliberately small cutoff may warn about truncation; that is the point of the warning
        warnings.simplefilter("ignore", TruncationWarning)
        for i, block in enumerate(blocks):
            exec(compile(block, f"{TUTORIAL.name}[block {i}]", "exec"), namespace)
