"""Faults: retries with backoff on connection errors, timeouts, 429 (Retry-After) and 5xx, never on
other 4xx; lost responses after a write landed; bounded concurrency; the token never leaks."""
from __future__ import annotations

import io
import logging
import time

import pytest
from hypothesis import given, settings, strategies as st

from grafana_standin import GrafanaStandin, dashboard, write_output
from obskit.apply.apply import execute
from obskit.apply.client import Credentials, GrafanaClient, GrafanaError, RetryPolicy, parse_retry_after
from obskit.apply.local import read_output
from obskit.apply.plan import make_plan
from obskit.cli.commands.grafana_common import run
from obskit.cli.main import parser


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def g():
    with GrafanaStandin() as standin:
        yield standin
        assert standin.violations == [], standin.violations


def client_for(g, attempts=4, timeout=5.0, pool=8):
    sleeps = Sleeps()
    c = GrafanaClient(g.url, Credentials("bearer", g.token), timeout=timeout,
                      retry=RetryPolicy(attempts=attempts, backoff=0.05, jitter=False), pool_size=pool, sleep=sleeps)
    return c, sleeps


def local_state(tmp_path, n=3, folders=("f1",)):
    dash = {f: [dashboard(f"{f}-d{i}", f"{f} dashboard {i}") for i in range(n)] for f in folders}
    return read_output(write_output(tmp_path / "out", {f: f.upper() for f in folders}, dash), environ={})


def apply(client, local, concurrency=4, **kw):
    plan = make_plan(client, local, concurrency=concurrency, **kw)
    return execute(client, plan, concurrency=concurrency)


def test_429_respects_retry_after(g, tmp_path):
    c, sleeps = client_for(g)
    g.inject("GET", "/api/dashboards/uid/", "429", times=1, retry_after="3")
    assert c.get_dashboard("nope") is None
    assert sleeps == [3.0]
    assert [r.status for r in g.requests] == [429, 404]
    assert c.stats.retries == 1


def test_5xx_retried_with_exponential_backoff(g, tmp_path):
    c, sleeps = client_for(g, attempts=4)
    g.inject("POST", "/api/folders$", "500", times=2)
    r = c.create_folder("f", "F")
    assert r.status == 200 and g.folders["f"]["title"] == "F"
    assert sleeps == [0.05, 0.1]
    assert len(g.requests) == 3


def test_retries_exhausted_raise_with_attempt_count(g):
    c, sleeps = client_for(g, attempts=3)
    g.inject("GET", "/api/folders/", "500", times=10)
    with pytest.raises(GrafanaError) as exc:
        c.get_folder("x")
    assert exc.value.status == 500 and exc.value.attempts == 3 and "after 3 attempts" in str(exc.value)
    assert len(g.requests) == 3


@pytest.mark.parametrize("status_body", [
    ({"dashboard": {"uid": "x" * 41, "title": "t"}, "folderUid": ""}, 400),
    ({"dashboard": {"uid": "ok", "title": "t"}, "folderUid": "missing-folder"}, 404),
])
def test_other_4xx_never_retried(g, status_body):
    body, status = status_body
    c, sleeps = client_for(g)
    with pytest.raises(GrafanaError) as exc:
        c.request("POST", "/api/dashboards/db", json_body={**body, "overwrite": False, "message": "m"})
    assert exc.value.status == status
    assert len(g.requests) == 1 and sleeps == []


def test_401_not_retried_and_token_not_in_error(g):
    c = GrafanaClient(g.url, Credentials("bearer", "glsa_bad_SECRET_123"), retry=RetryPolicy(attempts=5))
    with pytest.raises(GrafanaError) as exc:
        c.get_dashboard("x")
    assert exc.value.status == 401 and len(g.requests) == 1
    assert "glsa_bad_SECRET_123" not in str(exc.value) + repr(exc.value) + repr(c)


def test_connection_reset_is_retried(g, tmp_path):
    c, sleeps = client_for(g)
    g.inject("GET", "/api/dashboards/uid/", "reset", times=2)
    local = local_state(tmp_path, n=2)
    result = apply(c, local, concurrency=1)
    assert result.counts["created"] == 3 and not result.failed
    assert len(sleeps) == 2


def test_lost_response_after_a_dashboard_save_is_confirmed_not_duplicated(g, tmp_path):
    """The save lands, the connection drops, the retry meets 412: obskit re-reads and counts it done."""
    c, _ = client_for(g)
    local = local_state(tmp_path, n=1)
    g.inject("POST", "/api/dashboards/db", "reset-after", times=1)
    result = apply(c, local)
    assert not result.failed, [(o.change.uid, o.message) for o in result.outcomes]
    [o] = [o for o in result.outcomes if o.change.kind == "dashboard"]
    assert o.outcome == "created" and "confirmed" in o.message
    assert g.dashboards["f1-d0"]["json"]["version"] == 1       # one effective save
    assert apply(c, local).counts["unchanged"] == 2


def test_lost_response_after_an_update_is_confirmed(g, tmp_path):
    c, _ = client_for(g)
    local = local_state(tmp_path, n=1)
    apply(c, local)
    local = read_output(write_output(tmp_path / "out", {"f1": "F1"},
                                     {"f1": [dashboard("f1-d0", "f1 dashboard 0", panels=2)]}), environ={})
    g.inject("POST", "/api/dashboards/db", "reset-after", times=1)
    result = apply(c, local)
    assert result.counts["updated"] == 1 and not result.failed
    assert g.dashboards["f1-d0"]["json"]["version"] == 2


def test_lost_response_after_folder_and_datasource_creation(g, tmp_path):
    c, _ = client_for(g)
    out = write_output(tmp_path / "out", {"f1": "F1"}, {"f1": [dashboard("d", "D")]},
                       [{"name": "Prom", "type": "prometheus", "uid": "prom", "url": "http://p"}])
    g.inject("POST", "/api/folders$", "reset-after", times=1)
    g.inject("POST", "/api/datasources$", "reset-after", times=1)
    result = apply(c, read_output(out, environ={}))
    assert result.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "skipped": 0, "failed": 0,
                             "not_owned": 0}


def test_slow_server_times_out_and_is_retried(g, tmp_path):
    c, sleeps = client_for(g, timeout=0.3)
    c.health()            # Grafana has answered: a later timeout is retried (on the first request it stops the run)
    g.inject("GET", "/api/folders/", "slow", times=1, delay=1.0)
    assert c.get_folder("nope") is None
    assert len(sleeps) == 1


def test_a_write_that_keeps_failing_is_reported_and_the_rest_lands(g, tmp_path):
    c, _ = client_for(g, attempts=2)
    local = local_state(tmp_path, n=4)
    g.inject("POST", "/api/dashboards/db", "500", times=2)   # both attempts of one save
    result = apply(c, local, concurrency=1)
    failed = [o for o in result.outcomes if o.outcome == "failed"]
    assert len(failed) == 1 and "HTTP 500" in failed[0].message
    assert len(g.dashboards) == 3 and failed[0].change.uid not in g.dashboards
    again = apply(c, local, concurrency=1)
    assert again.counts["created"] == 1 and again.counts["unchanged"] == 4


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_bounded(tmp_path, concurrency):
    with GrafanaStandin(latency=0.02) as g:
        c, _ = client_for(g, pool=concurrency)
        local = local_state(tmp_path, n=12)
        apply(c, local, concurrency=concurrency)
        assert g.max_inflight <= concurrency
        if concurrency > 1:
            assert g.max_inflight > 1   # and it did run in parallel
        assert len(g.dashboards) == 12


def test_token_never_in_output_or_logs(g, tmp_path, caplog):
    token = g.token
    caplog.set_level(logging.DEBUG)   # every logger, urllib3 included
    out = write_output(tmp_path / "out", {"f1": "F1"}, {"f1": [dashboard("d", "D")]})
    g.inject("GET", "/api/dashboards/uid/", "500", times=1)
    g.inject("POST", "/api/dashboards/db", "429", times=1, retry_after="0")
    args = parser().parse_args(["apply", "--from", str(out), "--grafana-url", g.url, "--concurrency", "2"])
    stdout, stderr = io.StringIO(), io.StringIO()
    rc = run(args, apply=True, stdout=stdout, stderr=stderr, environ={"GRAFANA_TOKEN": token})
    assert rc == 0
    text = stdout.getvalue() + stderr.getvalue() + caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "retrying" in caplog.text          # the logs did record the retries ...
    assert token not in text                   # ... but never the token
    assert any(r.authorization == f"Bearer {token}" for r in g.requests)  # it was sent, only on the wire


def test_credentials_never_expose_the_secret():
    creds = Credentials.from_env("TOK", environ={"TOK": "glsa_topsecret"})
    assert "glsa_topsecret" not in repr(creds) + str(creds)
    assert creds.redact("x glsa_topsecret y") == "x *** y"
    with pytest.raises(TypeError):
        import pickle
        pickle.dumps(creds)
    basic = Credentials.from_env(basic=True, environ={"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "pw-123"})
    assert "pw-123" not in repr(basic) and basic.header().startswith("Basic ")
    with pytest.raises(ValueError) as exc:
        Credentials.from_env("TOK", environ={})
    assert "TOK" in str(exc.value)
    with pytest.raises(ValueError):
        GrafanaClient("http://admin:pw@grafana:3000", creds)


def test_basic_auth_against_the_standin():
    with GrafanaStandin(basic=("admin", "pw-123")) as g:
        c = GrafanaClient(g.url, Credentials("basic", "pw-123", user="admin"))
        assert c.get_folder("none") is None
        bad = GrafanaClient(g.url, Credentials("basic", "nope", user="admin"))
        with pytest.raises(GrafanaError) as exc:
            bad.get_folder("none")
        assert exc.value.status == 401


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    when = time.time() + 30
    import email.utils
    assert 25 <= parse_retry_after(email.utils.formatdate(when, usegmt=True)) <= 31


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=50), st.one_of(st.none(), st.floats(0, 1000)))
def test_backoff_is_bounded(attempt, retry_after):
    p = RetryPolicy(backoff=0.5, max_backoff=30, max_retry_after=120)
    d = p.delay(attempt, retry_after)
    assert 0 <= d <= (120 if retry_after is not None else 30)
    if retry_after is None:
        assert d >= min(30, 0.5 * 2 ** (attempt - 1)) / 2


def test_malformed_answer_is_reported_per_resource(g, tmp_path, monkeypatch):
    c, _ = client_for(g)
    local = local_state(tmp_path, n=2)
    real = c.get_dashboard
    monkeypatch.setattr(c, "get_dashboard", lambda uid, **kw: "not a dict" if uid == "f1-d0" else real(uid, **kw))
    result = apply(c, local)
    [bad] = [o for o in result.outcomes if o.outcome == "failed"]
    assert bad.change.uid == "f1-d0" and "unexpected answer from Grafana" in bad.message
    assert "f1-d1" in g.dashboards and "f1-d0" not in g.dashboards


def test_redact_short_secret_only_as_a_whole_token():
    c = Credentials("basic", "dash", user="admin")
    text = "dashboard saved with password dash (user admin) token=dash"
    assert c.redact(text) == "dashboard saved with password *** (user admin) token=***"
    long = Credentials("bearer", "glsa_0123456789abcdef")
    assert long.redact("xglsa_0123456789abcdefy") == "x***y"      # long secrets: everywhere
