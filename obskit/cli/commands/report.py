"""obskit report"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("report", help="create a new project with a working example")
    p.set_defaults(func=lambda args: 1)
