"""Golden files: rendered output compared with the files kept under a case's ``expected/`` folder.

``OBSKIT_UPDATE_GOLDEN=1`` rewrites the expected files (deleting stale ones) instead of comparing:
do it on purpose and read the diff."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict


def assert_golden(files: Dict[str, bytes], expected_dir: Path) -> None:
    if os.environ.get("OBSKIT_UPDATE_GOLDEN"):
        for stale in (p for p in expected_dir.rglob("*") if p.is_file()):
            if str(stale.relative_to(expected_dir)) not in files:
                stale.unlink()
        for rel, data in files.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
    expected = {str(p.relative_to(expected_dir)): p.read_bytes()
                for p in sorted(expected_dir.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(expected), "rendered and expected file lists differ"
    for rel in files:
        assert files[rel].decode() == expected[rel].decode(), rel
