"""Access rule flows: every instance of a share, from the active's manager.

A rule (``share_access_rules``) has one map row per instance of its share
(``share_instance_access_map``) carrying the rule's state on that
instance: ``queued_to_apply`` -> ``applying`` -> ``active`` (or
``error``), and ``queued_to_deny`` -> ``denying`` -> row deleted; the rule
row goes with its last map row.

``update_access`` hands the driver, for each available instance, the full
list of rules that instance must allow: for a non-active replica of a
``readable`` share every level is ``ro``; a non-active ``dr`` replica gets
none (it is not exported); ``writable`` replicas are all active. Every
write is conditional on the state read, so a deny or allow that arrives
meanwhile is left for the cast it queued. One failing instance does not
stop the others: its rules read ``error``. The write after the driver
call is retried while the database connection fails; rules left
``applying`` or ``denying`` are redone by the pending work sweep.
"""
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl import messages
from manila_repl.share import instance_db

LOG = logging.getLogger(__name__)

Rule = models.ShareAccessRule
Map = models.ShareInstanceAccessMap
Instance = models.ShareInstance
Share = models.Share

QUEUED_TO_APPLY = 'queued_to_apply'
APPLYING = 'applying'
ACTIVE = 'active'
ERROR = c.ACCESS_STATE_ERROR
QUEUED_TO_DENY = 'queued_to_deny'
DENYING = 'denying'
STATES = (QUEUED_TO_APPLY, APPLYING, ACTIVE, ERROR, QUEUED_TO_DENY,
          DENYING)
#: Map states that still need the manager.
PENDING = (QUEUED_TO_APPLY, APPLYING, QUEUED_TO_DENY, DENYING)
#: Map states whose rule the instance must allow.
PRESENT = (QUEUED_TO_APPLY, APPLYING, ACTIVE)
DENIED = (QUEUED_TO_DENY, DENYING)

#: share.access_rules_status (2.10+).
SHARE_ACTIVE = 'active'
SHARE_SYNCING = 'syncing'
SHARE_ERROR = 'error'

NOT_SUPPORTED = 'access rules not supported by the driver'

# Instances whose storage is gone or broken: nothing to apply there.
_BROKEN = (c.STATUS_ERROR, c.STATUS_ERROR_DELETING)


def rule_state(states):
    """The state the API shows for a rule: the worst over its maps."""
    states = set(states)
    if not states:
        return ACTIVE
    if ERROR in states:
        return ERROR
    for state in (QUEUED_TO_DENY, DENYING, QUEUED_TO_APPLY, APPLYING):
        if state in states:
            return state
    return ACTIVE


def rules_status(states):
    """share.access_rules_status from every map state of the share."""
    states = set(states)
    if ERROR in states:
        return SHARE_ERROR
    if states & set(PENDING):
        return SHARE_SYNCING
    return SHARE_ACTIVE


def _rules_for(view, maps, rules):
    """What the driver must make ``view`` allow."""
    if view.replica_state != c.REPLICA_STATE_ACTIVE and \
            view.replication_type == 'dr':
        return []
    readonly = (view.replica_state != c.REPLICA_STATE_ACTIVE and
                view.replication_type == 'readable')
    result = []
    for access_id, state in sorted(maps.items()):
        if state not in PRESENT:
            continue
        rule = rules[access_id]
        result.append({'id': access_id, 'access_type': rule['access_type'],
                       'access_to': rule['access_to'],
                       'access_level': ('ro' if readonly
                                        else rule['access_level'])})
    return result


def _load(share_id):
    """(instance views, {instance_id: {access_id: state}}, rules) or None.
    """
    with session.reader() as r:
        loaded = instance_db.share_instances(r, share_id)
        if loaded is None:
            return None
        instance_views = loaded[2]
        rows = r.execute(
            sa.select(Map.share_instance_id, Map.access_id, Map.state)
            .join(Instance, Instance.id == Map.share_instance_id)
            .where(Instance.share_id == share_id)).all()
        rules = {}
        if rows:
            rules = {row.id: {'access_type': row.access_type,
                              'access_to': row.access_to,
                              'access_level': row.access_level}
                     for row in r.execute(
                         sa.select(Rule.id, Rule.access_type, Rule.access_to,
                                   Rule.access_level)
                         .where(Rule.share_id == share_id)).all()}
    maps = {}
    for instance_id, access_id, state in rows:
        maps.setdefault(instance_id, {})[access_id] = state
    return instance_views, maps, rules


def _set(s, instance_id, access_ids, from_states, state, reason=None):
    """``reason``: why the rule is in error there (kept with the state).

    :returns: how many maps changed.
    """
    if not access_ids:
        return 0
    return s.execute(sa.update(Map)
                     .where(Map.share_instance_id == instance_id,
                            Map.access_id.in_(access_ids),
                            Map.state.in_(from_states))
                     .values(state=state, state_reason=reason,
                             updated_at=timeutils.utcnow())).rowcount


def _drop_denied(s, instance_id, access_ids, share_id):
    """Delete the instance's denied maps, and rules left with none."""
    if access_ids:
        s.execute(sa.delete(Map).where(Map.share_instance_id == instance_id,
                                       Map.access_id.in_(access_ids),
                                       Map.state.in_(DENIED)))
    s.execute(sa.delete(Rule).where(
        Rule.share_id == share_id,
        ~sa.exists().where(Map.access_id == Rule.id)))


def _broken_instance(view, maps, share_id):
    """An instance in error has nothing to apply: pending applies fail,
    pending denies are done (its next update removes them anyway)."""
    apply_ids = [a for a, st in maps.items()
                 if st in (QUEUED_TO_APPLY, APPLYING)]
    deny_ids = [a for a, st in maps.items() if st in DENIED]
    if not (apply_ids or deny_ids):
        return

    def settle(s):
        _set(s, view.id, apply_ids, (QUEUED_TO_APPLY, APPLYING), ERROR,
             'the share instance is in %s' % view.status)
        _drop_denied(s, view.id, deny_ids, share_id)
    retry.transaction(settle)


def _apply_instance(driver, view, maps, rules, share_id, failures):
    """Apply one instance's rules; True when the driver answered. Adds to
    ``failures`` the user message detail when rules that were not in
    error before turn ``error`` (rules failing again say nothing more)."""
    # Rules in error are applied again: the driver gets every rule the
    # instance must allow, never a subset that would drop them.
    was_error = {a for a, st in maps.items() if st == ERROR}
    apply_ids = [a for a, st in maps.items()
                 if st in (QUEUED_TO_APPLY, ERROR)]
    deny_ids = [a for a, st in maps.items() if st == QUEUED_TO_DENY]
    if apply_ids or deny_ids:
        with session.transaction() as s:
            _set(s, view.id, apply_ids, (QUEUED_TO_APPLY, ERROR), APPLYING)
            _set(s, view.id, deny_ids, (QUEUED_TO_DENY,), DENYING)
    maps = {a: (APPLYING if a in apply_ids else
                DENYING if st == QUEUED_TO_DENY else st)
            for a, st in maps.items()}
    present = _rules_for(view, maps, rules)
    present_ids = [a for a, st in maps.items() if st in PRESENT]
    denied_ids = [a for a, st in maps.items() if st in DENIED]
    reason = None
    detail = messages.Detail.DRIVER_FAILED_ACCESS
    try:
        answer = driver.update_access(view, present) or {}
    except NotImplementedError:
        LOG.error('Access rules of instance %s: %s', view.id, NOT_SUPPORTED)
        answer, reason = None, NOT_SUPPORTED
        detail = messages.Detail.UNSUPPORTED_CLIENT_ACCESS
    except Exception as e:
        LOG.exception('Updating the access rules of instance %s failed',
                      view.id)
        answer = None
        reason = getattr(e, 'msg', None) or str(e) or type(e).__name__

    if not maps:
        # No rule on this instance: nothing to record.
        return answer is not None

    def record(s):
        if answer is None:
            # Every rule of the instance reads error, denied ones too: the
            # driver may still allow them.
            failed = present_ids + denied_ids
            if _set(s, view.id, failed, (APPLYING, ACTIVE, DENYING), ERROR,
                    reason) and set(failed) - was_error:
                failures.add(detail)
            return False
        errors = [a for a in present_ids if answer.get(a) == ERROR]
        fine = [a for a in present_ids if a not in errors]
        if _set(s, view.id, errors, (APPLYING, ACTIVE), ERROR,
                'the backend does not support this rule') and \
                set(errors) - was_error:
            # The driver refused those rules (type, level or client).
            failures.add(messages.Detail.UNSUPPORTED_CLIENT_ACCESS)
        _set(s, view.id, fine, (APPLYING,), ACTIVE)
        _drop_denied(s, view.id, denied_ids, share_id)
        return True
    return retry.transaction(record)


def update_access(driver, share_id, instance_ids=None):
    """Apply the share's rules on every available instance; with
    ``instance_ids``, on those and on the instances with pending rules
    only (the others' rules did not change).

    Instances in transition (creating, deleting, a promote) are skipped:
    the flow that ends their transition runs this again.

    :returns: {instance_id: True (applied) | False (failed)}.
    """
    loaded = _load(share_id)
    if loaded is None:
        LOG.info('Share %s is gone: no access rules to update', share_id)
        return {}
    instance_views, maps, rules = loaded
    if instance_ids is not None:
        # Those and the instances with work: pending rules, or rules in
        # error (applied again).
        instance_views = [
            v for v in instance_views if v.id in instance_ids or
            set(maps.get(v.id, {}).values()) & set(PENDING + (ERROR,))]
    done = {}
    failures = set()
    for view in instance_views:
        instance_maps = maps.get(view.id, {})
        try:
            if view.status in _BROKEN:
                _broken_instance(view, instance_maps, share_id)
            elif view.status == c.STATUS_AVAILABLE and view.host:
                done[view.id] = _apply_instance(driver, view, instance_maps,
                                                rules, share_id, failures)
        except Exception:
            LOG.exception('Access rules of instance %s not updated', view.id)
            done[view.id] = False
    # One message per kind of failure of this update, not per replica.
    for detail in sorted(failures):
        messages.share(share_id, messages.Action.UPDATE_ACCESS_RULES, detail)
    return done


def promote_rules(share_id):
    """The share's rules an active instance must allow, at their own
    levels (what a promote hands the driver): every rule not being
    denied."""
    with session.reader() as r:
        rows = r.execute(
            sa.select(Rule.id, Rule.access_type, Rule.access_to,
                      Rule.access_level)
            .where(Rule.share_id == share_id,
                   sa.exists().where(Map.access_id == Rule.id,
                                     Map.state.not_in(DENIED)))
            .order_by(Rule.created_at, Rule.id)).all()
    return [{'id': row.id, 'access_type': row.access_type,
             'access_to': row.access_to, 'access_level': row.access_level}
            for row in rows]


def fail_pending(share_id):
    """Every rule of the share still being applied or denied reads
    ``error``, without the driver: the manager that owns them is down
    (dead_owners.py). A failed deny can be asked again.

    :returns: how many maps failed."""
    instances = sa.select(Instance.id).where(Instance.share_id == share_id)
    return retry.transaction(lambda s: s.execute(
        sa.update(Map)
        .where(Map.share_instance_id.in_(instances),
               Map.state.in_(PENDING))
        .values(state=ERROR, updated_at=timeutils.utcnow(),
                state_reason='the share manager that owned this rule is '
                             'down')).rowcount)


def add_instance_maps(instance_id, share_id):
    """Map rows (queued_to_apply) on ``instance_id`` for every rule of its
    share ``share_id`` not being denied that has none there yet."""
    with session.transaction() as s:
        mapped = sa.select(Map.access_id).where(
            Map.share_instance_id == instance_id)
        live = sa.select(Map.access_id).where(Map.state.not_in(DENIED))
        access_ids = s.scalars(
            sa.select(Rule.id).where(Rule.share_id == share_id,
                                     Rule.id.not_in(mapped),
                                     Rule.id.in_(live))).all()
        for access_id in access_ids:
            s.add(Map(share_instance_id=instance_id, access_id=access_id,
                      state=QUEUED_TO_APPLY))
        return len(access_ids)


def after_replica_added(driver, share_id, replica_id):
    """A new replica gets every rule; never fails the replica add."""
    try:
        add_instance_maps(replica_id, share_id)
        update_access(driver, share_id, instance_ids={replica_id})
    except Exception:
        LOG.exception('Access rules of new replica %s not applied',
                      replica_id)


def apply_again(driver, share_id):
    """Apply the share's rules again (those in error with them) after its
    storage answered again; never raises."""
    try:
        update_access(driver, share_id)
    except Exception:
        LOG.exception('Access rules of share %s not applied again',
                      share_id)


def after_promote(driver, share_id):
    """Levels change with the active replica: re-apply everywhere; never
    fails the promote."""
    try:
        update_access(driver, share_id)
    except Exception:
        LOG.exception('Access rules of share %s not re-applied after a '
                      'promote', share_id)
