"""obskit init"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("init", help="create a new project with a working example")
    p.set_defaults(func=lambda args: 1)
