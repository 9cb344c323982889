"""Secrets in receiver definitions: never literals.

A :class:`Secret` names a Kubernetes Secret and a key in it. ``alertmanager.yml`` reads it from a
file (the integration's ``*_file`` field) at ``<secrets_dir>/<name>/<key>``, the path where the
Prometheus Operator mounts an Alertmanager's ``spec.secrets`` (``/etc/alertmanager/secrets``); give
``path=`` to read it elsewhere. The ``AlertmanagerConfig`` resource refers to it as a
``SecretKeySelector`` ``{name, key}``. The deployer fills in the Secret; obskit never sees the value.

Without Kubernetes, ``Secret(path="/run/secrets/slack-url")`` is a file only: ``alertmanager.yml``
reads that file, and no ``AlertmanagerConfig`` is written (it can refer to Kubernetes Secrets only).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_K8S_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


@dataclass(frozen=True)
class Secret:
    name: Optional[str] = None
    key: Optional[str] = None
    path: Optional[str] = None

    def __post_init__(self):
        if self.name is None and self.key is None:
            if self.path is None:
                raise ValueError("a Secret needs name= and key= (a Kubernetes Secret), or path= alone (a file)")
            if not isinstance(self.path, str) or not self.path.startswith("/"):
                raise ValueError(f"Secret path {self.path!r} must be an absolute file path")
            return
        if not isinstance(self.name, str) or not _K8S_NAME.match(self.name) or len(self.name) > 253:
            raise ValueError(f"Secret name {self.name!r} must be a Kubernetes object name "
                             "(lowercase letters, digits, '-' and '.')")
        if not isinstance(self.key, str) or not _K8S_KEY.match(self.key):
            raise ValueError(f"Secret key {self.key!r} must be letters, digits, '-', '_' or '.'")
        if self.path is not None and (not isinstance(self.path, str) or not self.path.startswith("/")):
            raise ValueError(f"Secret path {self.path!r} must be an absolute file path")

    @property
    def file_only(self) -> bool:
        """A file path without a Kubernetes Secret behind it (``Secret(path=...)``)."""
        return self.name is None

    def file(self, secrets_dir: str) -> str:
        return self.path or f"{secrets_dir.rstrip('/')}/{self.name}/{self.key}"
