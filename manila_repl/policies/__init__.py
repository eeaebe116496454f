"""Policy rules, one module per resource, and the enforcer.

``list_rules()`` is the ``oslo.policy.policies`` entry point (for
oslopolicy-sample-generator); ``authorize()`` is what
``RequestContext.can()`` calls.
"""
import itertools
import threading

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


def list_rules():
    return list(itertools.chain.from_iterable(
        m.list_rules() for m in _MODULES))


def get_enforcer(conf=None):
    global _enforcer
    with _lock:
        if _enforcer is None:
            if conf is None:
                from manila_repl.conf import CONF as conf
            enforcer = policy.Enforcer(conf)
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
