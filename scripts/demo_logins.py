"""The demo accounts' phone numbers and password (``users/demo.py``), for the scripts that
log in to a running demo server (scripts/fuzz.py, scripts/admin_walk.py) — read from the
source without importing Django, whose settings those scripts do not load."""

from __future__ import annotations

import ast
from pathlib import Path

DEMO_MODULE = Path(__file__).resolve().parent.parent / "users" / "demo.py"


def demo_logins() -> dict[str, str]:
    """Every module-level ``NAME = "constant"`` of users/demo.py."""
    tree = ast.parse(DEMO_MODULE.read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found
