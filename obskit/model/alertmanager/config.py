"""The top-level Alertmanager configuration (one per project) and its global settings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from obskit.duration import Duration
from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.model.alertmanager.inhibit import Inhibit
from obskit.model.alertmanager.receivers import Email, Opsgenie, Receiver, Slack
from obskit.model.alertmanager.route import Route
from obskit.model.alertmanager.secrets import Secret
from obskit.model.alertmanager.time_intervals import TimeInterval
from obskit.model.base import Definition, Problems, locate, set_attr

_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, kw_only=True, eq=False)
class GlobalConfig:
    """``global:`` defaults. Secrets (``slack_api_url``, ``smtp_auth_password``, ``opsgenie_api_key``)
    are :class:`Secret` references rendered as the ``*_file`` fields."""

    resolve_timeout: Optional[Duration] = None
    smtp_smarthost: Optional[str] = None
    smtp_from: Optional[str] = None
    smtp_auth_username: Optional[str] = None
    smtp_auth_password: Optional[Secret] = None
    smtp_require_tls: Optional[bool] = None
    slack_api_url: Optional[Secret] = None
    opsgenie_api_key: Optional[Secret] = None
    pagerduty_url: Optional[str] = None
    location: Location = field(init=False, repr=False, compare=False)

    SECRETS = ("smtp_auth_password", "slack_api_url", "opsgenie_api_key")

    def __post_init__(self):
        p = Problems("alertmanager global config", locate(self))
        if self.resolve_timeout is not None:
            set_attr(self, "resolve_timeout", p.duration(self.resolve_timeout, "resolve_timeout"))
        for name in self.SECRETS:
            value = getattr(self, name)
            if isinstance(value, str):
                p.add("literal-secret", f"{name} is a secret and must not be written in the definition",
                      hint=f"use {name}=Secret(name=..., key=...); it renders {name}_file")
            elif value is not None and not isinstance(value, Secret):
                p.add("bad-secret", f"{name} must be a Secret(name=..., key=...), got {value!r}")
        if self.smtp_smarthost is not None and not re.match(r"^[^:\s]+:\d+$", str(self.smtp_smarthost)):
            p.add("bad-field", f"smtp_smarthost {self.smtp_smarthost!r} must be host:port")
        p.done()

    def items(self) -> Tuple[Tuple[str, object], ...]:
        names = ("resolve_timeout", "smtp_smarthost", "smtp_from", "smtp_auth_username", "smtp_auth_password",
                 "smtp_require_tls", "slack_api_url", "opsgenie_api_key", "pagerduty_url")
        return tuple((n, getattr(self, n)) for n in names if getattr(self, n) is not None)


@dataclass(frozen=True, kw_only=True, eq=False)
class Template:
    """A notification template file: Go ``{{ define "name" }}...{{ end }}`` blocks, written to
    ``alertmanager/templates/<name>.tmpl`` and loaded through ``templates:``."""

    name: str
    text: str
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"template {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _TEMPLATE_NAME.match(self.name):
            p.add("bad-name", f"template name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        if not isinstance(self.text, str) or "{{" not in self.text:
            p.add("bad-template", "text must hold Go template definitions ({{ define \"name\" }}...{{ end }})")
        elif self.text.count("{{") != self.text.count("}}"):
            p.add("bad-template", "unbalanced {{ and }}")
        p.done()

    @property
    def defines(self) -> Tuple[str, ...]:
        return tuple(re.findall(r'\{\{-?\s*define\s+"([^"]+)"', self.text))


@dataclass(frozen=True, kw_only=True, eq=False)
class Alertmanager(Definition):
    """The project's Alertmanager configuration.

    ``generated_inhibitions`` adds the generated rule: a page inhibits the ticket of the same SLO (when
    the project has SLOs with both tiers), scoped to obskit's own labels and comparing only labels both
    sides carry (``obskit.compile.alertmanager.generated_inhibitions``). Inhibitions of hand-written
    alerts are written by hand (``inhibit_rules``); the load warns when their ``equal`` labels are
    missing on the project's alerts.
    ``secrets_dir`` is where ``Secret`` files are read from in ``alertmanager.yml``.
    """

    route: Route
    receivers: Tuple[Receiver, ...]
    inhibit_rules: Tuple[Inhibit, ...] = ()
    time_intervals: Tuple[TimeInterval, ...] = ()
    templates: Tuple[Template, ...] = ()
    global_config: Optional[GlobalConfig] = None
    generated_inhibitions: bool = True
    secrets_dir: str = "/etc/alertmanager/secrets"
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        loc = locate(self)
        p = Problems("alertmanager config", loc)
        for attr in ("receivers", "inhibit_rules", "time_intervals", "templates"):
            value = getattr(self, attr)
            set_attr(self, attr, tuple(value) if isinstance(value, (list, tuple)) else (value,))
        diags: List[Diagnostic] = []
        if not isinstance(self.route, Route):
            p.add("bad-route", f"route must be a Route, got {self.route!r}")
        else:
            diags += self._check_tree()
        for attr, kind in (("receivers", Receiver), ("inhibit_rules", Inhibit), ("time_intervals", TimeInterval),
                           ("templates", Template)):
            for item in getattr(self, attr):
                if not isinstance(item, kind):
                    p.add("bad-field", f"{attr} entries must be {kind.__name__} objects, got {item!r}")
        if self.global_config is not None and not isinstance(self.global_config, GlobalConfig):
            p.add("bad-field", f"global_config must be a GlobalConfig, got {self.global_config!r}")
        if not isinstance(self.secrets_dir, str) or not self.secrets_dir.startswith("/"):
            p.add("bad-field", f"secrets_dir {self.secrets_dir!r} must be an absolute path")
        diags += self._check_duplicates()
        diags += self._check_integrations()
        p.items.extend(diags)
        p.done()

    # -- checks inside the one definition, each located at the object at fault --------------------

    def _check_tree(self) -> List[Diagnostic]:
        diags: List[Diagnostic] = []
        root = self.route
        if not root.receiver_name:
            diags.append(Diagnostic("bad-route", "the root route needs a receiver (the default for every alert)",
                                    "root route", root.location))
        if root.matchers:
            diags.append(Diagnostic("root-matchers", "the root route must not have matchers: it receives every "
                                    "alert (Alertmanager refuses the config)", "root route", root.location,
                                    hint="move the matchers to a child route"))
        if root.continue_:
            diags.append(Diagnostic("bad-route", "the root route cannot have continue", "root route", root.location))
        names = {r.name for r in self.receivers if isinstance(r, Receiver)}
        intervals = {t.name for t in self.time_intervals if isinstance(t, TimeInterval)}
        for r in root.walk():
            obj = f"route to {r.receiver_name!r}" if r.receiver_name else "route"
            if r.receiver_name and r.receiver_name not in names:
                diags.append(Diagnostic("undefined-receiver", f"receiver {r.receiver_name!r} is not defined; "
                                        f"receivers: {', '.join(sorted(names)) or 'none'}", obj, r.location))
            for t in r.mute_time_intervals + r.active_time_intervals:
                if t not in intervals:
                    diags.append(Diagnostic("undefined-time-interval", f"time interval {t!r} is not defined",
                                            obj, r.location))
        return diags

    def _check_duplicates(self) -> List[Diagnostic]:
        diags: List[Diagnostic] = []
        for attr, what in (("receivers", "receiver"), ("time_intervals", "time interval"), ("templates", "template")):
            seen: Dict[str, object] = {}
            for item in getattr(self, attr):
                name = getattr(item, "name", None)
                if name in seen:
                    diags.append(Diagnostic(f"duplicate-{what.replace(' ', '-')}",
                                            f"{what} {name!r} is already defined at {seen[name].location}",
                                            f"{what} {name!r}", item.location))
                else:
                    seen[name] = item
        return diags

    def _check_integrations(self) -> List[Diagnostic]:
        g = self.global_config if isinstance(self.global_config, GlobalConfig) else None
        diags: List[Diagnostic] = []
        for r in self.receivers:
            if not isinstance(r, Receiver):
                continue
            for i in r.integrations:
                obj = f"receiver {r.name!r}"
                if isinstance(i, Slack) and i.api_url is None and getattr(g, "slack_api_url", None) is None:
                    diags.append(Diagnostic("missing-field", "Slack needs api_url= or GlobalConfig(slack_api_url=)",
                                            obj, i.location))
                if isinstance(i, Opsgenie) and i.api_key is None and getattr(g, "opsgenie_api_key", None) is None:
                    diags.append(Diagnostic("missing-field", "Opsgenie needs api_key= or GlobalConfig(opsgenie_api_key=)",
                                            obj, i.location))
                if isinstance(i, Email):
                    if i.smarthost is None and getattr(g, "smtp_smarthost", None) is None:
                        diags.append(Diagnostic("missing-field", "email needs smarthost= or GlobalConfig(smtp_smarthost=)",
                                                obj, i.location))
                    if i.from_ is None and getattr(g, "smtp_from", None) is None:
                        diags.append(Diagnostic("missing-field", "email needs from_= or GlobalConfig(smtp_from=)",
                                                obj, i.location))
        return diags

    @property
    def receiver_names(self) -> Tuple[str, ...]:
        return tuple(r.name for r in self.receivers)

