"""The plugin-system tests import their sample plugins from ``plugin_samples`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
