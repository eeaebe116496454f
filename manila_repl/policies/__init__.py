"""Policy rules, one module per resource, and the enforcer.

``list_rules()`` is the ``oslo.policy.policies`` entry point (for
oslopolicy-sample-generator); ``authorize()`` is what
``RequestContext.can()`` calls.
"""
import inspect
import itertools
import threading
import time

from oslo_policy import _checks
from oslo_policy import policy

from manila_repl import exception
from manila_repl.policies import (
    availability_zones,
    base,
    messages,
    quota_sets,
    scheduler_stats,
    services,
    share_access_rules,
    share_instances,
    share_replicas,
    share_snapshots,
    share_types,
    shares,
)

_MODULES = (base, shares, share_types, share_replicas, share_instances,
            availability_zones, scheduler_stats, services,
            share_access_rules)
_MODULES += (share_snapshots,)
_MODULES += (quota_sets,)
_MODULES += (messages,)

_lock = threading.Lock()
_enforcer = None

#: Seconds between two looks for a changed policy file.
RELOAD_CHECK_INTERVAL = 1.0


_argspecs = {}


def _cached_getfullargspec(func):
    """inspect.getfullargspec, memoized by function.

    oslo.policy inspects every check's ``__call__`` each time it evaluates
    it (to know whether it takes the rule name): 4 inspections and ~8% of
    a list request's CPU. Check classes never change signature.
    """
    key = getattr(func, '__func__', func)
    spec = _argspecs.get(key)
    if spec is None:
        spec = _argspecs[key] = inspect.getfullargspec(func)
    return spec


class _Inspect:
    """``inspect`` as oslo_policy._checks sees it: the memoized
    getfullargspec, the rest unchanged."""
    getfullargspec = staticmethod(_cached_getfullargspec)

    def __getattr__(self, name):
        return getattr(inspect, name)


_checks.inspect = _Inspect()


class Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking for a changed policy file at most
    once a second: its enforce() calls load_rules() on every check, which
    searches every config directory for the file (stat calls, 5-10% of a
    list request's CPU). An edited policy file still takes effect within
    a second."""

    _checked_at = None

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or self._checked_at is None or \
                now - self._checked_at >= RELOAD_CHECK_INTERVAL:
            super().load_rules(force_reload)
            self._checked_at = now


def list_rules():
    return list(itertools.chain.from_iterable(
        m.list_rules() for m in _MODULES))


def get_enforcer(conf=None):
    global _enforcer
    with _lock:
        if _enforcer is None:
            if conf is None:
                from manila_repl.conf import CONF as conf
            enforcer = Enforcer(conf)
            enforcer.register_defaults(list_rules())
            enforcer.load_rules()
            _enforcer = enforcer
        return _enforcer


def reset():
    global _enforcer
    with _lock:
        if _enforcer is not None:
            _enforcer.clear()
        _enforcer = None


def authorize(context, action, target=None, fatal=True):
    """Check ``action`` for ``context``; 403 (PolicyNotAuthorized) if not
    allowed and ``fatal``, else return the result."""
    if target is None:
        target = {'project_id': context.project_id,
                  'user_id': context.user_id}
    return get_enforcer().authorize(
        action, target, context, do_raise=fatal,
        exc=exception.PolicyNotAuthorized, action=action)
