"""The seed documents' sample requests and responses, copied as JSON, for golden tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


def sample(name: str) -> Any:
    """A fresh copy of the sample ``name``.json (tests may change what they get)."""
    return json.loads((_HERE / f"{name}.json").read_text(encoding="utf-8"))
