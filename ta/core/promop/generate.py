"""Per-object generation of scrape configs, and assembly of all selected objects into one ordered job list.

In: CR objects (plain API dicts) by kind, the ``Settings``, the namespaces' labels and the injected ``Lookups``.
Out: ``build`` -> ``Generated`` or ``Rejected`` for one object (never an exception, whatever the object holds): a
pure function of (kind, object, settings, credential values it reads), so callers may cache it per object and
rebuild only changed objects (or objects whose ``dependencies`` changed). ``generate_all`` -> every job in the
operator's order plus every rejection.
``dependencies`` -> the Secret/ConfigMap keys an object reads, without reading any values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ta.core.promop import podmonitor, probe, scrapeconfig, servicemonitor
from ta.core.promop.model import KIND_ORDER, Generated, Invalid, Job, Kind, Lookups, Obj, Rejected, SecretRef, Settings
from ta.core.promop.objects import name_of, namespace_of
from ta.core.promop.secrets import RecordingLookups, Resolver
from ta.core.promop.select import select
from ta.core.promop.validate import validate

_GENERATORS: dict[Kind, Callable[[Obj, Settings, Resolver], tuple[Job, ...]]] = {
    Kind.SERVICE_MONITOR: servicemonitor.generate,
    Kind.POD_MONITOR: podmonitor.generate,
    Kind.PROBE: probe.generate,
    Kind.SCRAPE_CONFIG: scrapeconfig.generate,
}

# What a field of an unexpected shape can raise inside a generator (a number where a list belongs, ...).
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError)


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    jobs: tuple[Job, ...]
    rejected: tuple[Rejected, ...]


def build(kind: Kind, obj: Obj, settings: Settings, lookups: Lookups) -> Generated | Rejected:
    namespace, name = namespace_of(obj), name_of(obj)
    resolver = Resolver(lookups, namespace)
    try:
        validate(kind, obj, settings, resolver)
        jobs = _GENERATORS[kind](obj, settings, resolver)
        if settings.deny_fs_access:
            _deny_fs_access(jobs)
    except Invalid as exc:
        return Rejected(kind=kind, namespace=namespace, name=name, reason=str(exc))
    except _MALFORMED as exc:
        # A field of a shape no check above anticipated: this object is rejected with a reason, not the whole step.
        reason = f"cannot generate a scrape config: {type(exc).__name__}: {exc}"
        return Rejected(kind=kind, namespace=namespace, name=name, reason=reason)
    return Generated(kind=kind, namespace=namespace, name=name, jobs=jobs, dependencies=resolver.refs)


def dependencies(kind: Kind, obj: Obj, settings: Settings) -> tuple[SecretRef, ...]:
    """Every Secret/ConfigMap key ``build`` would read for this object under these settings."""
    resolver = Resolver(RecordingLookups.lookups(), namespace_of(obj))
    # The placeholder lookups never fail, so an object only stops early for a non-credential reason; it then
    # reads no more than it has read so far.
    with contextlib.suppress(Invalid, *_MALFORMED):
        validate(kind, obj, settings, resolver)
    with contextlib.suppress(Invalid, *_MALFORMED):
        _GENERATORS[kind](obj, settings, resolver)
    return resolver.refs


def generate_all(
    objects: Mapping[Kind, Iterable[Obj]],
    settings: Settings,
    namespace_labels: Mapping[str, Mapping[str, str]],
    lookups: Lookups,
) -> Result:
    jobs: list[Job] = []
    rejected: list[Rejected] = []
    for kind in KIND_ORDER:
        for obj in select(kind, objects.get(kind, ()), settings, namespace_labels):
            outcome = build(kind, obj, settings, lookups)
            if isinstance(outcome, Rejected):
                rejected.append(outcome)
            else:
                jobs.extend(outcome.jobs)
    return Result(jobs=tuple(jobs), rejected=tuple(rejected))


def _deny_fs_access(jobs: tuple[Job, ...]) -> None:
    """The TA's ``deny_fs_access_through_sms``: no job may make the collector read local files."""
    for job in jobs:
        reason = ""
        if job.get("bearer_token_file"):
            reason = f"bearer_token_file: {job['bearer_token_file']}"
        auth = job.get("authorization")
        if isinstance(auth, dict) and auth.get("credentials_file"):
            reason = f"authorization.credentials_file: {auth['credentials_file']}"
        tls = job.get("tls_config")
        if isinstance(tls, dict):
            for key in ("ca_file", "cert_file", "key_file"):
                if tls.get(key):
                    reason = reason or f"tls_config.{key}: {tls[key]}"
        if reason:
            raise Invalid(f"job {job['job_name']} references an arbitrary file path ({reason})")
