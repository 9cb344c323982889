"""Execute a :class:`~obskit.apply.plan.Plan`: write only what changed, with bounded concurrency.

Order: datasources and folders first, then dashboards (a dashboard whose folder could not be created
is not attempted), then prune deletions (dashboards, then the folders they emptied, then datasources).

Every write is one request (Grafana saves a dashboard atomically), so nothing is half-written. When a
retried write meets a conflict (412 on a dashboard, 409 on a folder or datasource), the first attempt
may have landed before its response was lost: obskit re-reads the resource and counts the write as done
when the server holds exactly what it sent; otherwise it reports the write as failed. The same re-read
decides a write whose answer was not understood (HTML with status 200, JSON of the wrong shape): a write
is reported done only when it demonstrably landed. A fatal error (401/403, a redirect) stops the run:
the writes not yet sent are failed as ``stopped`` and the error is reported once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from obskit.apply import normalise as N
from obskit.apply.client import GrafanaClient, GrafanaError
from obskit.apply.plan import DASHBOARD, DATASOURCE, FOLDER, SKIPS, Change, Plan, parallel

OUTCOMES = ("created", "updated", "deleted", "unchanged", "skipped", "failed", "not_owned")
_DONE = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass
class Outcome:
    change: Change
    outcome: str          # one of OUTCOMES
    message: str = ""
    stopped: bool = False  # failed because the run stopped (401/403, a redirect): reported once, not per write


@dataclass
class Result:
    outcomes: List[Outcome] = field(default_factory=list)
    dry_run: bool = False
    fatal: Optional[GrafanaError] = None   # what stopped the run

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def counts(self) -> Dict[str, int]:
        return {k: self.count(k) for k in OUTCOMES}

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    @property
    def skipped(self) -> bool:
        return self.count("skipped") > 0


def _still_ours_dashboard(client: GrafanaClient, c: Change) -> bool:
    remote = client.get_dashboard(c.uid, schema=c.schema)
    if remote is None:
        return False
    model, meta = remote.get("dashboard") or {}, remote.get("meta") or {}
    return (N.applied_hash(model) == c.digest
            and N.content_hash(N.dashboard_state(model, meta.get("folderUid") or "")) == c.digest)


def _still_ours_datasource(client: GrafanaClient, c: Change) -> bool:
    remote = client.get_datasource(c.uid)
    if remote is None:
        return False
    return (N.datasource_applied_hash(remote) == c.digest
            and N.content_hash(N.remote_datasource_state(remote)) == c.digest)


def _landed(client: GrafanaClient, c: Change) -> bool:
    """Re-read: does the server hold exactly what this write meant to leave there?"""
    try:
        if c.action == "delete":
            get = {DASHBOARD: client.get_dashboard, FOLDER: client.get_folder, DATASOURCE: client.get_datasource}
            return get[c.kind](c.uid) is None
        if c.kind == DASHBOARD:
            return _still_ours_dashboard(client, c)
        if c.kind == FOLDER:
            remote = client.get_folder(c.uid)
            return remote is not None and remote.get("title") == c.title
        return _still_ours_datasource(client, c)
    except GrafanaError:
        return False


def write(client: GrafanaClient, c: Change) -> Outcome:
    """Perform one planned write. It counts as done only on an answer shaped as Grafana documents, or
    when an answer that was not understood (HTML with 200, a wrong shape) is followed by a re-read that
    shows the write landed; GrafanaError becomes a failed outcome upstream."""
    try:
        return _write(client, c)
    except GrafanaError as exc:
        if exc.unexpected and not exc.fatal and _landed(client, c):
            return Outcome(c, _DONE[c.action], "confirmed by re-reading (the answer was not understood)")
        raise


def _write(client: GrafanaClient, c: Change) -> Outcome:
    done = _DONE[c.action]
    if c.kind == DASHBOARD and c.action in ("create", "update"):
        version = None if c.action == "create" else c.remote_version
        payload = N.dashboard_payload(c.desired, c.digest, version)
        try:
            client.save_dashboard(payload, c.folder_uid, overwrite=c.forced, message=N.apply_message(c.digest),
                                  version=version, schema=c.schema)
        except GrafanaError as exc:
            # 412 (legacy version-mismatch) or 409 (resource API: stale resourceVersion, or the name exists)
            if exc.status in (409, 412) and _still_ours_dashboard(client, c):
                return Outcome(c, done, "confirmed by re-reading after a lost response")
            if exc.status in (409, 412):
                return Outcome(c, "failed", f"changed on the server during apply (HTTP {exc.status} "
                               f"{exc.status_text or ''}); not overwritten: run obskit diff again")
            raise
        return Outcome(c, done)
    if c.kind == DASHBOARD and c.action == "delete":
        r = client.delete_dashboard(c.uid)
        return Outcome(c, done, "" if r.status == 200 else "already gone")
    if c.kind == FOLDER and c.action == "create":
        r = client.create_folder(c.uid, c.title)
        if r.status == 409:
            remote = client.get_folder(c.uid)
            if remote is not None and remote.get("title") == c.title:
                return Outcome(c, done, "confirmed by re-reading (409: already there)")
            return Outcome(c, "failed", f"409: {_msg(r.body)}")
        return Outcome(c, done)
    if c.kind == FOLDER and c.action == "update":
        r = client.update_folder(c.uid, c.title, version=None if c.forced else c.remote_version, overwrite=c.forced)
        if r.status in (409, 412):
            remote = client.get_folder(c.uid)
            if remote is not None and remote.get("title") == c.title:
                return Outcome(c, done, "confirmed by re-reading after a lost response")
            return Outcome(c, "failed", f"changed on the server during apply ({r.status} "
                           f"{'version-mismatch' if r.status == 412 else 'conflict'}); not overwritten")
        return Outcome(c, done)
    if c.kind == FOLDER and c.action == "delete":
        r = client.delete_folder(c.uid)
        return Outcome(c, done, "" if r.status == 200 else "already gone")
    if c.kind == DATASOURCE and c.action in ("create", "update"):
        version = None if (c.action == "create" or c.forced) else c.remote_version
        body = N.datasource_payload(c.desired, c.secrets or {}, c.digest, version)
        r = (client.create_datasource(body) if c.action == "create" else client.update_datasource(c.uid, body))
        if r.status == 409:
            if _still_ours_datasource(client, c):
                return Outcome(c, done, "confirmed by re-reading (409 after a lost response)")
            return Outcome(c, "failed", f"409: {_msg(r.body)}")
        return Outcome(c, done)
    if c.kind == DATASOURCE and c.action == "delete":
        r = client.delete_datasource(c.uid)
        return Outcome(c, done, "" if r.status == 200 else "already gone")
    raise AssertionError(f"no writer for {c.kind} {c.action}")


def _msg(body) -> str:
    return str(body.get("message")) if isinstance(body, dict) else str(body or "")


def _passive(c: Change) -> Outcome:
    if c.action == "unchanged":
        return Outcome(c, "unchanged")
    if c.action == "foreign":     # a datasource obskit does not own: reported once, not a failure
        return Outcome(c, "not_owned", c.reason)
    if c.action in SKIPS:
        return Outcome(c, "skipped", f"{c.action}: {c.reason}")
    if c.action == "error":
        unsupported = c.kind == DASHBOARD and c.schema == "v2" and c.reason.startswith("a schema v2")
        return Outcome(c, "failed", c.reason if unsupported else f"could not read: {c.reason}")
    raise AssertionError(c.action)


def execute(client: GrafanaClient, plan: Plan, *, concurrency: int = 4, dry_run: bool = False,
            tick: Optional[Callable[[], None]] = None) -> Result:
    result = Result(dry_run=dry_run)
    writes = [c for c in plan.changes if c.writes]
    result.outcomes.extend(_passive(c) for c in plan.changes if not c.writes)
    if dry_run:
        result.outcomes.extend(Outcome(c, _DONE[c.action], "dry run: not written") for c in writes)
        return result

    def run(batch: List[Change]) -> List[Outcome]:
        out = []
        if client.fatal is not None:       # the run stopped: nothing more is sent
            out = [Outcome(c, "failed", "not attempted: the run stopped", stopped=True) for c in batch]
            if tick:
                for _ in batch:
                    tick()
        else:
            for c, outcome, exc in parallel(lambda ch: write(client, ch), batch, concurrency, tick,
                                            stop_on_fatal=False):
                if exc is None:
                    out.append(outcome)
                elif isinstance(exc, GrafanaError) and exc.fatal:
                    out.append(Outcome(c, "failed", str(exc) if exc.sent else "not attempted: the run stopped",
                                       stopped=True))
                else:
                    out.append(Outcome(c, "failed", str(exc)))
        result.outcomes.extend(out)
        return out

    upserts = [c for c in writes if c.action != "delete"]
    deletes = [c for c in writes if c.action == "delete"]

    first = run([c for c in upserts if c.kind in (DATASOURCE, FOLDER)])
    failed_folders = {o.change.uid for o in first if o.change.kind == FOLDER and o.outcome == "failed"}
    failed_folders |= {c.uid for c in plan.changes if c.kind == FOLDER and c.action == "error"}
    dashboards = []
    for c in upserts:
        if c.kind != DASHBOARD:
            continue
        if c.folder_uid in failed_folders and client.fatal is None:
            result.outcomes.append(Outcome(c, "failed", f"not attempted: folder {c.folder_uid!r} could not be "
                                           "created or read"))
            if tick:
                tick()
        else:
            dashboards.append(c)
    moved = run(dashboards)

    dash_deleted = run([c for c in deletes if c.kind == DASHBOARD])
    failed_dash_folders = {o.change.folder_uid for o in dash_deleted if o.outcome == "failed"}
    failed_dash_folders |= {(o.change.before or {}).get("folderUid") for o in moved if o.outcome == "failed"}
    folder_deletes = []
    for c in deletes:
        if c.kind != FOLDER:
            continue
        if c.uid in failed_dash_folders and client.fatal is None:
            result.outcomes.append(Outcome(c, "skipped", "not deleted: a dashboard in it could not be deleted "
                                           "or moved out"))
            if tick:
                tick()
        else:
            folder_deletes.append(c)
    run(folder_deletes)
    run([c for c in deletes if c.kind == DATASOURCE])
    result.fatal = client.fatal
    return result
