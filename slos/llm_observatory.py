"""LLM Observatory (docs/reference-deployments/llm-observatory.md): the write-up names the collector's
ingest and the storage service's write latency as what it scales on; as SLOs, over 30 days:

* ingest availability: 99.9 % of the spans sent to the collectors are accepted (not refused), from
  the collector's own ``otelcol_receiver_{accepted,refused}_spans_total`` (two counters whose sum is
  the total: a RawSLI, as RatioSLI takes one total selector);
* write latency: 99 % of storage writes complete within 0.5 s (the alert's threshold), from the
  storage service's ``llm_observatory_storage_write_duration_seconds`` histogram (buckets declared).

Both objectives are our choice (the write-up gives none; 99.9 % is the other platforms' figure)."""
from obskit import SLO, AlertingPolicy, LatencySLI, RawSLI

JOB = 'job="llm-observatory"'
WRITE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

ingest_availability = SLO(
    service="llm-observatory",
    name="ingest-availability",
    objective=99.9,
    description="Share of spans sent to the collectors that they accept.",
    sli=RawSLI(error_ratio=(f"sum(rate(otelcol_receiver_refused_spans_total{{{JOB}}}[$window]))\n"
                            f"  / (sum(rate(otelcol_receiver_accepted_spans_total{{{JOB}}}[$window]))\n"
                            f"     + sum(rate(otelcol_receiver_refused_spans_total{{{JOB}}}[$window])))")),
    owner="observatory-team",
    runbook_url="https://runbooks.example.com/llm-observatory/ingest",
    labels={"team": "observatory"},
)

write_latency = SLO(
    service="llm-observatory",
    name="write-latency",
    objective=99.0,
    description="99 % of storage writes complete within 0.5 s.",
    sli=LatencySLI(histogram=f"llm_observatory_storage_write_duration_seconds{{{JOB}}}", threshold=0.5,
                   buckets=WRITE_BUCKETS),
    owner="observatory-team",
    runbook_url="https://runbooks.example.com/llm-observatory/write-latency",
    labels={"team": "observatory"},
    alerting=AlertingPolicy(min_events=100),
)
