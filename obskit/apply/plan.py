"""Read the server, compare with the build output, decide. Never writes.

For every local resource the plan holds one :class:`Change` whose ``action`` is one of

- ``create``       nothing with that uid on the server;
- ``update``       obskit owns it, the server copy is what obskit last applied, the build differs
                   (or ``--force`` overrides drift);
- ``unchanged``    the server already holds exactly the build's content (and the applied marker);
- ``drift``        obskit owns it but it was changed on the server since obskit applied it
                   (someone edited it in the UI): not overwritten unless ``--force``;
- ``conflict``     something obskit does not own holds a dashboard's or folder's uid, or another obskit
                   owner's datasource holds the uid or name: never touched, ``--force`` does not change that;
- ``foreign``      a datasource obskit does not own (no marker) holds the uid or the name, e.g.
                   kube-prometheus-stack's ``Prometheus``: left as it is, reported once, not a difference
                   (``diff`` and ``apply`` exit 0 when everything obskit owns is in sync);
- ``provisioned``  file-provisioned on the server: Grafana refuses API saves, reported;
- ``error``        the server could not be read.

With ``prune``, owned resources absent from the build become ``delete`` (or ``drift`` when edited on the
server since obskit applied them, unless ``--force``).

Over 400 lines on purpose: this is one decision, the table above, and its functions are read together
(one ``decide_*`` per kind over the shared :class:`Change`/:class:`Plan`, and :func:`make_plan`, which
reads the server in parallel and calls them); a split by kind would put each row of the table in
another file than the rows it is compared with.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from obskit.apply import normalise as N
from obskit.apply.client import GrafanaClient, GrafanaError
from obskit.apply.local import LocalDashboard, LocalDatasource, LocalFolder, LocalState

FOLDER, DASHBOARD, DATASOURCE = "folder", "dashboard", "datasource"
WRITES = ("create", "update", "delete")
SKIPS = ("drift", "conflict", "provisioned")
IN_SYNC = ("unchanged", "foreign")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Change:
    kind: str
    uid: str
    title: str
    action: str
    reason: str = ""
    before: Any = None                 # normalised server state (for diffs)
    after: Any = None                  # normalised desired state
    forced: bool = False               # an update/delete that overrides drift
    folder_uid: str = ""               # dashboards: target folder; folders/datasources: unused
    digest: str = ""                   # content hash of the desired state
    remote_version: Any = None         # legacy: the int version; resource API: metadata.resourceVersion
    schema: str = "v1"                 # dashboards: "v1" classic JSON, "v2" schema v2
    desired: Any = field(default=None, repr=False)    # dashboard model / datasource API fields
    secrets: Any = field(default=None, repr=False)    # datasource secureJsonData (never printed)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.uid}" + (f" ({self.title!r})" if self.title and self.title != self.uid else "")

    @property
    def writes(self) -> bool:
        return self.action in WRITES


@dataclass
class Plan:
    changes: List[Change] = field(default_factory=list)
    prune: bool = False
    force: bool = False

    def of(self, kind: str, *actions: str) -> List[Change]:
        return [c for c in self.changes if c.kind == kind and (not actions or c.action in actions)]

    def count(self, *actions: str) -> int:
        return sum(1 for c in self.changes if c.action in actions)

    @property
    def in_sync(self) -> bool:
        return all(c.action in IN_SYNC for c in self.changes)


def parallel(fn: Callable[[T], R], items: Sequence[T], concurrency: int,
             tick: Optional[Callable[[], None]] = None,
             stop_on_fatal: bool = True) -> List[Tuple[T, Optional[R], Optional[Exception]]]:
    """``fn`` over ``items`` with at most ``concurrency`` in flight; results in input order. A request
    that failed for good, or an answer that is not shaped as documented, becomes that item's error. A
    fatal error (401/403, a redirect) is raised once all items are through (the client sends nothing
    after it) unless ``stop_on_fatal`` is False."""
    def run(item: T):
        try:
            return item, fn(item), None
        except GrafanaError as exc:
            return item, None, exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a malformed answer
            return item, None, RuntimeError(f"unexpected answer from Grafana: {type(exc).__name__}: {exc}")
        finally:
            if tick:
                tick()
    if not items:
        return []
    if concurrency <= 1:
        results = [run(i) for i in items]
    else:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="obskit-apply") as pool:
            results = list(pool.map(run, items))
    if stop_on_fatal:
        raise_fatal(exc for _, _, exc in results)
    return results


def raise_fatal(errors) -> None:
    """Raise the first fatal error that was sent (else any fatal one) among ``errors``."""
    fatal = [e for e in errors if isinstance(e, GrafanaError) and e.fatal]
    if fatal:
        raise next((e for e in fatal if e.sent), fatal[0])


# -- dashboards --------------------------------------------------------------------------------
def decide_dashboard(local: LocalDashboard, remote: Optional[Dict[str, Any]], force: bool,
                     owner: str = N.DEFAULT_OWNER) -> Change:
    desired = N.desired_dashboard(local.model, owner)
    after = N.dashboard_state(desired, local.folder_uid)
    digest = N.content_hash(after)
    c = Change(DASHBOARD, local.uid, local.title, "create", after=after, folder_uid=local.folder_uid,
               digest=digest, desired=desired, schema=getattr(local, "schema", "v1"))
    if remote is None:
        c.reason = "not on the server"
        return c
    model = remote.get("dashboard") or {}
    meta = remote.get("meta") or {}
    if meta.get("resourceVersion"):
        c.remote_version = meta["resourceVersion"]
    else:
        c.remote_version = model.get("version") if isinstance(model.get("version"), int) else None
    c.before = N.dashboard_state(model, meta.get("folderUid") or "")
    current = N.content_hash(c.before)
    recorded = N.applied_hash(model)
    manager = meta.get("managedBy") or ""
    other_tool = bool(manager) and manager not in ("classic-file-provisioning", "repo") and meta.get("managerMissing")
    if not N.is_managed_dashboard(model):
        c.action = "conflict"
        c.reason = (f"a dashboard obskit does not manage (no {N.MANAGED_TAG!r} tag) has this uid; left "
                    f"untouched (tag it {N.MANAGED_TAG!r} in Grafana to hand it to obskit)")
        if manager:
            c.reason += f"; Grafana records it as managed by {manager} {meta.get('managerId', '')!r}"
        return c
    if N.dashboard_owner(model) != owner:
        c.action = "conflict"
        c.reason = f"managed by obskit owner {N.dashboard_owner(model)!r}, not {owner!r}; left untouched"
        return c
    if other_tool and not str(meta.get("managerId", "")).startswith("obskit"):
        c.action = "conflict"
        c.reason = (f"Grafana records it as managed by {manager} {meta.get('managerId', '')!r}, not obskit; "
                    "Grafana refuses changes from another manager; left untouched")
        return c
    c = _decide_owned(
        c, current, recorded, digest, force,
        provisioned="provisioned from files on the server; Grafana refuses API saves (change the provisioning "
                    "instead)" if meta.get("provisioned") else "",
        drift="changed on the server since obskit applied it" if recorded else
              f"owned (tag {N.MANAGED_TAG!r}) but has no applied marker: edited outside obskit")
    if c.action == "unchanged" and meta.get("managerMissing"):
        c.action, c.reason = "update", ("content already matches; recording Grafana's manager annotations "
                                        "(grafana.app/managedBy, grafana.app/managerId)")
    return c


# -- folders -----------------------------------------------------------------------------------
def decide_folder(local: LocalFolder, remote: Optional[Dict[str, Any]], owned: Optional[bool], force: bool) -> Change:
    c = Change(FOLDER, local.uid, local.title, "create", after={"uid": local.uid, "title": local.title},
               reason="not on the server")
    if remote is None:
        return c
    c.before = {"uid": remote.get("uid", local.uid), "title": remote.get("title", "")}
    c.remote_version = remote.get("version") if isinstance(remote.get("version"), (int, str)) else None
    if c.before["title"] == local.title:
        c.action, c.reason = "unchanged", ""
    elif owned:
        c.action, c.reason = "update", "title changed in the build"
        c.forced = force
    else:
        c.action = "conflict"
        c.reason = ("the folder exists with another title and holds no dashboards managed by obskit (or also "
                    "unmanaged ones); not renamed")
    return c


# -- datasources -------------------------------------------------------------------------------
def decide_datasource(local: LocalDatasource, remote: Optional[Dict[str, Any]],
                      name_holder: Optional[Dict[str, Any]], force: bool, owner: str = N.DEFAULT_OWNER) -> Change:
    fields = N.desired_datasource_fields(local.fields, owner)
    after = N.datasource_state(fields, local.secrets.keys())
    digest = N.content_hash(after)
    c = Change(DATASOURCE, local.uid, local.name, "create", after=after, digest=digest,
               desired=fields, secrets=dict(local.secrets), reason="not on the server")
    if remote is None:
        if name_holder is not None and N.HASH_FIELD in (name_holder.get("jsonData") or {}):
            c.action = "conflict"
            c.reason = (f"a datasource named {local.name!r} already exists with uid "
                        f"{name_holder.get('uid')!r}, managed by obskit owner "
                        f"{N.owner_of(name_holder.get('jsonData') or {})!r} (Grafana answers 409); left untouched")
        elif name_holder is not None:
            c.action = "foreign"
            c.reason = (f"Grafana already has a datasource named {local.name!r} (uid {name_holder.get('uid')!r}) "
                        "that obskit does not own; left as it is and not created (dashboards that reference uid "
                        f"{local.uid!r} need [grafana] {local.fields.get('type', 'prometheus')}_datasource_uid = "
                        f"{name_holder.get('uid')!r})")
        return c
    c.before = N.remote_datasource_state(remote)
    c.remote_version = remote.get("version") if isinstance(remote.get("version"), int) else None
    current = N.content_hash(c.before)
    recorded = N.datasource_applied_hash(remote)
    if recorded is None:
        c.action = "foreign"
        c.reason = (f"a datasource obskit does not own (no jsonData.{N.HASH_FIELD}) has this uid "
                    f"({remote.get('type', '?')}, {remote.get('url', '') or 'no URL'}); left as it is and used as is")
        return c
    remote_owner = N.owner_of(remote.get("jsonData") or {})
    if remote_owner != owner:
        c.action = "conflict"
        c.reason = f"managed by obskit owner {remote_owner!r}, not {owner!r}; left untouched"
        return c
    return _decide_owned(
        c, current, recorded, digest, force,
        provisioned="read-only (provisioned from files) on the server; Grafana refuses API updates"
        if remote.get("readOnly") else "",
        drift="changed on the server since obskit applied it")


def _decide_owned(c: Change, current: str, recorded: str, digest: str, force: bool, *,
                  provisioned: str, drift: str) -> Change:
    """The shared decision for a resource this owner manages: unchanged, provisioned (``provisioned``
    is the reason, empty when it is not), update, or drift (``drift`` says why) unless ``force``."""
    if current == digest and recorded == digest:
        c.action, c.reason = "unchanged", ""
    elif provisioned:
        c.action, c.reason = "provisioned", provisioned
    elif current == digest:
        c.action, c.reason = "update", "content already matches; recording the applied marker"
    elif recorded == current:
        c.action, c.reason = "update", "changed in the build"
    elif force:
        c.action, c.forced, c.reason = "update", True, drift + "; overwritten (--force)"
    else:
        c.action, c.reason = "drift", drift + "; not overwritten without --force"
    return c


# -- prune -------------------------------------------------------------------------------------
def decide_delete_dashboard(uid: str, remote: Optional[Dict[str, Any]], force: bool,
                            owner: str = N.DEFAULT_OWNER) -> Optional[Change]:
    if remote is None:
        return None
    model, meta = remote.get("dashboard") or {}, remote.get("meta") or {}
    if not N.is_owned_dashboard(model, owner):
        return None  # another owner's, or the tag disappeared between search and read: not ours
    before = N.dashboard_state(model, meta.get("folderUid") or "")
    c = Change(DASHBOARD, uid, str(model.get("title", "")), "delete", before=before,
               folder_uid=meta.get("folderUid") or "", reason="owned by obskit, no longer in the build")
    if meta.get("provisioned"):
        c.action, c.reason = "provisioned", "no longer in the build but provisioned from files; Grafana refuses to delete it"
        return c
    if N.applied_hash(model) != N.content_hash(before):
        if force:
            c.forced, c.reason = True, c.reason + "; changed on the server since obskit applied it, deleted (--force)"
        else:
            c.action = "drift"
            c.reason = "no longer in the build, but changed on the server since obskit applied it; not deleted without --force"
    return c


def decide_delete_datasource(remote: Dict[str, Any], force: bool) -> Change:
    before = N.remote_datasource_state(remote)
    c = Change(DATASOURCE, remote.get("uid", ""), remote.get("name", ""), "delete", before=before,
               reason="owned by obskit, no longer in the build")
    if remote.get("readOnly"):
        c.action, c.reason = "provisioned", "no longer in the build but read-only (provisioned); Grafana refuses to delete it"
    elif N.datasource_applied_hash(remote) != N.content_hash(before):
        if force:
            c.forced, c.reason = True, c.reason + "; changed on the server since obskit applied it, deleted (--force)"
        else:
            c.action = "drift"
            c.reason = "no longer in the build, but changed on the server since obskit applied it; not deleted without --force"
    return c


# -- the whole plan ----------------------------------------------------------------------------
def make_plan(client: GrafanaClient, local: LocalState, *, force: bool = False, prune: bool = False,
              concurrency: int = 4, tick: Optional[Callable[[], None]] = None,
              owner: str = N.DEFAULT_OWNER, grow: Optional[Callable[[int], None]] = None) -> Plan:
    """``tick`` is called once per resource read; ``grow(n)`` when prune finds n more to read."""
    plan = Plan(prune=prune, force=force)
    local_folder_uids = {f.uid for f in local.folders}
    local_dash_uids = {d.uid for d in local.dashboards}
    local_ds_uids = {d.uid for d in local.datasources}

    # datasources: one list (names and uids), then each existing one by uid (version, secure fields)
    ds_list: List[Dict[str, Any]] = []
    list_failed: Optional[GrafanaError] = None
    if local.datasources or prune:
        try:
            ds_list = client.list_datasources()
        except GrafanaError as exc:
            raise_fatal([exc])
            list_failed = exc
    if list_failed is not None:
        for ds in local.datasources:
            plan.changes.append(Change(DATASOURCE, ds.uid, ds.name, "error", reason=str(list_failed)))
    by_uid = {d.get("uid"): d for d in ds_list}
    by_name = {d.get("name"): d for d in ds_list}
    owned_orphans = [d for d in ds_list if prune and d.get("uid") not in local_ds_uids
                     and N.HASH_FIELD in (d.get("jsonData") or {})
                     and N.owner_of(d.get("jsonData") or {}) == owner]
    local_datasources = [] if list_failed is not None else list(local.datasources)

    def datasource(ds: LocalDatasource) -> Change:
        remote = client.get_datasource(ds.uid) if ds.uid in by_uid else None
        holder = by_name.get(ds.name)
        if holder is not None and holder.get("uid") == ds.uid:
            holder = None
        return decide_datasource(ds, remote, holder, force, owner)

    for ds, change, exc in parallel(datasource, local_datasources, concurrency, tick):
        if exc is not None:
            plan.changes.append(Change(DATASOURCE, ds.uid, ds.name, "error", reason=str(exc)))
            continue
        plan.changes.append(change)

    # folders
    def folder(f: LocalFolder) -> Change:
        remote = client.get_folder(f.uid)
        owned: Optional[bool] = None
        if remote is not None and remote.get("title") != f.title:
            hits = client.search(folder_uids=[f.uid])
            owned = bool(hits) and all(N.MANAGED_TAG in (h.get("tags") or []) for h in hits)
        return decide_folder(f, remote, owned, force)

    for f, change, exc in parallel(folder, list(local.folders), concurrency, tick):
        plan.changes.append(change if exc is None else Change(FOLDER, f.uid, f.title, "error", reason=str(exc)))

    # dashboards
    def dash(d: LocalDashboard) -> Change:
        if d.schema == "v2" and not getattr(client, "supports_v2", False):
            why = ("this run uses the legacy /api" if getattr(client, "api", "legacy") == "legacy"
                   else "the server publishes no dashboard.grafana.app/v2* version")
            return Change(DASHBOARD, d.uid, d.title, "error", folder_uid=d.folder_uid, schema="v2",
                          reason=f"a schema v2 dashboard needs Grafana's resource API with "
                                 f"dashboard.grafana.app/v2 (v2beta1, v2alpha1); {why}")
        return decide_dashboard(d, client.get_dashboard(d.uid, schema=d.schema), force, owner)

    for d, change, exc in parallel(dash, list(local.dashboards), concurrency, tick):
        if exc is not None:
            plan.changes.append(Change(DASHBOARD, d.uid, d.title, "error", reason=str(exc),
                                       folder_uid=d.folder_uid))
            continue
        plan.changes.append(change)

    if not prune:
        return plan

    # prune: owned dashboards (by tag) and datasources (by marker) that the build no longer has
    try:
        hits = client.search(tag=N.MANAGED_TAG)
    except GrafanaError as exc:
        raise_fatal([exc])
        plan.changes.append(Change(DASHBOARD, "*", "", "error", reason=f"cannot list owned dashboards: {exc}"))
        hits = []
    orphans = sorted({h["uid"] for h in hits if h.get("uid") and h["uid"] not in local_dash_uids})
    if grow:
        grow(len(orphans) + len(owned_orphans))
    deletes: List[Change] = []
    for uid, c, exc in parallel(lambda u: decide_delete_dashboard(u, client.get_dashboard(u), force, owner),
                                orphans, concurrency, tick):
        if exc is not None:
            plan.changes.append(Change(DASHBOARD, uid, "", "error", reason=str(exc)))
        elif c is not None:
            deletes.append(c)
    plan.changes.extend(deletes)

    # folders: only those this run empties (every dashboard in them is an owned one being deleted, or one
    # of the build's dashboards being moved out of it)
    deleting = {c.uid for c in deletes if c.action == "delete"}
    moving_out: Dict[str, set] = {}
    for c in plan.of(DASHBOARD, "update"):
        old = (c.before or {}).get("folderUid") or ""
        if old and old != c.folder_uid:
            moving_out.setdefault(old, set()).add(c.uid)
    candidates = sorted({c.folder_uid for c in deletes if c.folder_uid} | set(moving_out))
    candidates = [f for f in candidates if f not in local_folder_uids]
    for fuid in candidates:
        try:
            contents = client.search(folder_uids=[fuid])
            children = client.child_folders(fuid)
            folder = client.get_folder(fuid)
        except GrafanaError as exc:
            raise_fatal([exc])
            plan.changes.append(Change(FOLDER, fuid, "", "error", reason=str(exc)))
            continue
        if folder is None:
            continue
        title = folder.get("title", "")
        left = [h for h in contents if h.get("uid") not in deleting | moving_out.get(fuid, set())]
        before = {"uid": fuid, "title": title}
        if left or children:
            what = f"{len(left)} other dashboard(s)" if left else f"{len(children)} subfolder(s)"
            plan.changes.append(Change(FOLDER, fuid, title, "conflict", before=before,
                                       reason=f"no longer in the build but still holds {what}; not deleted"))
        else:
            plan.changes.append(Change(FOLDER, fuid, title, "delete", before=before,
                                       reason="no longer in the build; emptied by this prune"))

    if list_failed is not None and not local.datasources:
        plan.changes.append(Change(DATASOURCE, "*", "", "error", reason=f"cannot list datasources: {list_failed}"))
    def orphan_ds(d: Dict[str, Any]) -> Optional[Change]:
        remote = client.get_datasource(d["uid"])
        if remote is None or not N.is_owned_datasource(remote, owner):
            return None
        return decide_delete_datasource(remote, force)

    for d, c, exc in parallel(orphan_ds, owned_orphans, concurrency, tick):
        if exc is not None:
            plan.changes.append(Change(DATASOURCE, d.get("uid", ""), d.get("name", ""), "error", reason=str(exc)))
        elif c is not None:
            plan.changes.append(c)
    return plan

