"""Tail sampling (``processor/tailsamplingprocessor/config.go``): the policies, their composition
(``and``, ``composite``, ``drop``) and the :class:`TailSampling` processor that holds them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Sequence

from obskit.model.base import Problems
from obskit.model.tracing.otel.base import Component, _duration, _positive_int


# ---- tail sampling policies (processor/tailsamplingprocessor/config.go)
@dataclass(frozen=True, kw_only=True)
class Policy:
    TYPE: ClassVar[str] = ""
    name: str

    def check(self, p: Problems, where: str) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class AlwaysSample(Policy):
    TYPE = "always_sample"


@dataclass(frozen=True, kw_only=True)
class LatencyPolicy(Policy):
    TYPE = "latency"
    threshold_ms: int
    upper_threshold_ms: int = 0

    def check(self, p, where):
        _positive_int(p, where, "threshold_ms", self.threshold_ms, allow_zero=True)
        _positive_int(p, where, "upper_threshold_ms", self.upper_threshold_ms, allow_zero=True)
        if isinstance(self.upper_threshold_ms, int) and isinstance(self.threshold_ms, int) \
                and self.upper_threshold_ms and self.upper_threshold_ms <= self.threshold_ms:
            p.add("bad-policy", f"{where}: upper_threshold_ms must be above threshold_ms")
        if self.threshold_ms == 0 and self.upper_threshold_ms == 0:
            p.add("bad-policy", f"{where}: give threshold_ms and/or upper_threshold_ms")


@dataclass(frozen=True, kw_only=True)
class NumericAttributePolicy(Policy):
    TYPE = "numeric_attribute"
    key: str
    min_value: int
    max_value: int
    invert_match: bool = False

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if isinstance(self.min_value, int) and isinstance(self.max_value, int) and self.min_value > self.max_value:
            p.add("bad-policy", f"{where}: min_value {self.min_value} is above max_value {self.max_value}")


@dataclass(frozen=True, kw_only=True)
class ProbabilisticPolicy(Policy):
    TYPE = "probabilistic"
    sampling_percentage: float
    hash_salt: str = ""

    def check(self, p, where):
        v = self.sampling_percentage
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            p.add("bad-policy", f"{where}: sampling_percentage must be in [0, 100] (a percentage), got {v!r}")


STATUS_CODES = ("OK", "ERROR", "UNSET")


@dataclass(frozen=True, kw_only=True)
class StatusCodePolicy(Policy):
    TYPE = "status_code"
    status_codes: Sequence[str] = ("ERROR",)

    def check(self, p, where):
        codes = tuple(self.status_codes) if isinstance(self.status_codes, (list, tuple)) else ()
        if not codes:
            p.add("bad-policy", f"{where}: status_codes must be a non-empty list")
        for c in codes:
            if c not in STATUS_CODES:
                p.add("bad-policy", f"{where}: status code {c!r} is not one of {', '.join(STATUS_CODES)}")


@dataclass(frozen=True, kw_only=True)
class StringAttributePolicy(Policy):
    TYPE = "string_attribute"
    key: str
    values: Sequence[str]
    enabled_regex_matching: bool = False
    cache_max_size: int = 0
    invert_match: bool = False

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if not isinstance(self.values, (list, tuple)) or not self.values:
            p.add("bad-policy", f"{where}: values must be a non-empty list")
        elif self.enabled_regex_matching:
            for v in self.values:
                try:
                    re.compile(v)
                except re.error as exc:
                    p.add("bad-policy", f"{where}: regex {v!r} does not compile: {exc}")


@dataclass(frozen=True, kw_only=True)
class RateLimitingPolicy(Policy):
    TYPE = "rate_limiting"
    spans_per_second: int

    def check(self, p, where):
        _positive_int(p, where, "spans_per_second", self.spans_per_second)


@dataclass(frozen=True, kw_only=True)
class SpanCountPolicy(Policy):
    TYPE = "span_count"
    min_spans: int
    max_spans: int = 0

    def check(self, p, where):
        _positive_int(p, where, "min_spans", self.min_spans)
        _positive_int(p, where, "max_spans", self.max_spans, allow_zero=True)
        if isinstance(self.max_spans, int) and isinstance(self.min_spans, int) and self.max_spans \
                and self.max_spans < self.min_spans:
            p.add("bad-policy", f"{where}: max_spans must be 0 (no limit) or at least min_spans")


@dataclass(frozen=True, kw_only=True)
class TraceStatePolicy(Policy):
    TYPE = "trace_state"
    key: str
    values: Sequence[str]

    def check(self, p, where):
        if not self.key or not self.values:
            p.add("bad-policy", f"{where}: key and values must be given")


@dataclass(frozen=True, kw_only=True)
class BooleanAttributePolicy(Policy):
    TYPE = "boolean_attribute"
    key: str
    value: bool

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if not isinstance(self.value, bool):
            p.add("bad-policy", f"{where}: value must be True or False")


@dataclass(frozen=True, kw_only=True)
class OttlConditionPolicy(Policy):
    TYPE = "ottl_condition"
    span: Sequence[str] = ()
    spanevent: Sequence[str] = ()
    error_mode: str = "propagate"

    def check(self, p, where):
        if not self.span and not self.spanevent:
            p.add("bad-policy", f"{where}: give at least one span or spanevent condition")
        if self.error_mode not in ("propagate", "ignore", "silent"):
            p.add("bad-policy", f"{where}: error_mode {self.error_mode!r} is not propagate, ignore or silent")


SIMPLE_POLICIES = (AlwaysSample, LatencyPolicy, NumericAttributePolicy, ProbabilisticPolicy, StatusCodePolicy,
                   StringAttributePolicy, RateLimitingPolicy, SpanCountPolicy, TraceStatePolicy,
                   BooleanAttributePolicy, OttlConditionPolicy)


@dataclass(frozen=True, kw_only=True)
class AndPolicy(Policy):
    """Samples when every sub-policy does; sub-policies are simple policies (no and/composite)."""

    TYPE = "and"
    policies: Sequence[Policy]

    def check(self, p, where):
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES)


@dataclass(frozen=True, kw_only=True)
class DropPolicy(Policy):
    """Drops traces every sub-policy matches (newer tail_sampling releases)."""

    TYPE = "drop"
    policies: Sequence[Policy]

    def check(self, p, where):
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES)


@dataclass(frozen=True, kw_only=True)
class CompositePolicy(Policy):
    """Rate-allocates ``max_total_spans_per_second`` between sub-policies, evaluated in ``policy_order``
    (default: the order given). ``rate_allocation`` maps sub-policy names to percentages (sum ≤ 100)."""

    TYPE = "composite"
    max_total_spans_per_second: int
    policies: Sequence[Policy]
    policy_order: Sequence[str] = ()
    rate_allocation: Mapping[str, int] = field(default_factory=dict)

    def check(self, p, where):
        _positive_int(p, where, "max_total_spans_per_second", self.max_total_spans_per_second)
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES + (AndPolicy,))
        names = [s.name for s in self.policies if isinstance(s, Policy)]
        order = list(self.policy_order) or names
        if sorted(order) != sorted(names):
            p.add("bad-policy", f"{where}: policy_order {order} must list every sub-policy once: {names}")
        alloc = dict(self.rate_allocation)
        for name, pct in alloc.items():
            if name not in names:
                p.add("bad-policy", f"{where}: rate_allocation names {name!r}, which is not a sub-policy")
            if isinstance(pct, bool) or not isinstance(pct, int) or not 0 < pct <= 100:
                p.add("bad-policy", f"{where}: rate_allocation {name!r} must be a percentage in 1..100")
        if sum(v for v in alloc.values() if isinstance(v, int)) > 100:
            p.add("bad-policy", f"{where}: rate_allocation sums to more than 100 %")


def _check_subpolicies(p, where, policies, allowed) -> None:
    subs = tuple(policies) if isinstance(policies, (list, tuple)) else ()
    if not subs:
        p.add("bad-policy", f"{where}: needs at least one sub-policy")
    check_policies(p, where, subs, allowed)


def check_policies(p: Problems, where: str, policies, allowed) -> None:
    seen = set()
    for pol in policies:
        if not isinstance(pol, allowed):
            kinds = ", ".join(sorted(a.TYPE for a in allowed))
            p.add("bad-policy", f"{where}: {pol!r} is not an allowed policy here ({kinds})")
            continue
        w = f"{where} policy {pol.name!r}"
        if not isinstance(pol.name, str) or not pol.name:
            p.add("bad-policy", f"{where}: every policy needs a name")
        elif pol.name in seen:
            p.add("bad-policy", f"{w}: duplicate policy name")
        seen.add(pol.name)
        pol.check(p, w)


@dataclass(frozen=True, kw_only=True)
class TailSampling(Component):
    """Waits ``decision_wait`` after a trace's first span, then keeps it if any policy samples it."""

    TYPE = "tail_sampling"
    KIND = "processor"
    SIGNALS = ("traces",)
    policies: Sequence[Policy]
    decision_wait: str = "30s"
    num_traces: int = 50000
    expected_new_traces_per_sec: int = 0

    def problems(self, p, where):
        _duration(p, where, "decision_wait", self.decision_wait)
        _positive_int(p, where, "num_traces", self.num_traces)
        _positive_int(p, where, "expected_new_traces_per_sec", self.expected_new_traces_per_sec, allow_zero=True)
        pols = tuple(self.policies) if isinstance(self.policies, (list, tuple)) else ()
        if not pols:
            p.add("bad-policy", f"{where}: needs at least one policy (without policies nothing is sampled)")
        check_policies(p, where, pols, SIMPLE_POLICIES + (AndPolicy, CompositePolicy, DropPolicy))
