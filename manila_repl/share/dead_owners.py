"""Pending work whose owner is down: a live manager takes it.

pending_db.py names the manager that owns each piece of pending work now;
start-up recovery and the sweep (sweep.py) run on that manager. When its
service is down (no heartbeat for ``service_down_time``, services table)
and does not come back, its work would wait for its restart. Instead:

- a promote (owned by the new active's manager) unchanged for
  ``[share]/pending_work_min_age`` seconds is given up by the manager of
  the share's current, old, active replica (replication.abandon_promote):
  its driver makes the active writable again, the target reads ``error``
  with "Promotion of replica X abandoned: its backend H has been down
  since T", only while the share still waits for that promote, and the
  status loop re-syncs the target once its backend answers. When the
  active's manager is down too, the promote waits for either of the two
  to come back: only they can put its storage right.
- any other work (a create or delete on a dead backend; the replica adds
  and deletes, snapshots, rules and resizes of a dead active's manager)
  unchanged for ``[share]/dead_owner_work_timeout`` seconds is failed
  with such a message, without the driver, by one live manager: the
  first share service that is up, by host name. A returning owner finds
  it failed; the user retries or deletes it.

Liveness comes from heartbeats, which a database outage stops for
everyone: when the database is back, every service looks down until its
next heartbeat. So a manager takes others' work only once its own
heartbeats have all gone through for ``service_down_time`` seconds (by
then every live service has heartbeated again: ``report_interval`` is
shorter), and checks that the owner is still down under the share's lock,
right before acting. The lock is tried without waiting, as in the sweep: a
live manager working on the share holds it.
"""
import datetime
import functools

from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.conf import CONF
from manila_repl import constants as c
from manila_repl.db import services as services_db
from manila_repl import messages
from manila_repl import service
from manila_repl.share import access
from manila_repl.share import instance_db
from manila_repl.share import pending_db
from manila_repl.share import recovery
from manila_repl.share import replication
from manila_repl.share import resize
from manila_repl.share import snapshots

LOG = logging.getLogger(__name__)


def _record(expected, target, message, **values):
    return instance_db.record(target, expected, status_message=message,
                              **values)


#: pending_db.Work.flow -> (what the message says is abandoned, the
#: function failing it without the driver, called with (target, message),
#: answering whether it failed anything; for a resize, the action).
FAILS = {
    'create_share_instance': ('Share creation', functools.partial(
        _record, c.STATUS_CREATING, status=c.STATUS_ERROR)),
    'delete_share_instance': ('Share deletion', functools.partial(
        _record, c.STATUS_DELETING, status=c.STATUS_ERROR_DELETING)),
    'add_replica': ('Replica creation', functools.partial(
        _record, c.STATUS_CREATING, status=c.STATUS_ERROR,
        replica_state=c.REPLICA_STATE_ERROR)),
    'delete_replica': ('Replica deletion', functools.partial(
        _record, c.STATUS_DELETING, status=c.STATUS_ERROR_DELETING)),
    'create_snapshot': ('Snapshot creation', lambda target, message:
                        snapshots.fail_pending(target, c.STATUS_CREATING,
                                               message)),
    'delete_snapshot': ('Snapshot deletion', lambda target, message:
                        snapshots.fail_pending(target, c.STATUS_DELETING,
                                               message)),
    'update_access': ('Access rule update',
                      lambda target, message: access.fail_pending(target)),
    'resize_share': ('Resize', resize.fail),
}


#: pending_db.Work.flow -> (the user message about the target of work
#: given up, its action; None: the one the fail function answers).
USER_MESSAGES = {
    'create_share_instance': (messages.instance, messages.Action.CREATE),
    'delete_share_instance': (messages.instance, messages.Action.DELETE),
    'add_replica': (messages.replica, messages.Action.CREATE),
    'delete_replica': (messages.replica, messages.Action.DELETE),
    'create_snapshot': (messages.snapshot, messages.Action.CREATE),
    'delete_snapshot': (messages.snapshot, messages.Action.DELETE),
    'update_access': (messages.share, messages.Action.UPDATE_ACCESS_RULES),
    'resize_share': (messages.share, None),
}


def fail_and_tell(flow, target, message):
    """Fail ``flow``'s work on ``target`` without the driver; the project
    gets a user message when that failed anything."""
    _what, fail = FAILS[flow]
    result = fail(target, message)
    if result:
        record, action = USER_MESSAGES[flow]
        record(target, action or result, messages.Detail.BACKEND_DOWN)
    return result


def message(what, owner, last_heartbeat):
    return '%s abandoned: its backend %s has been down since %s.' % (
        what, owner, last_heartbeat.strftime('%Y-%m-%d %H:%M:%S UTC'))


def _cutoff(now, seconds):
    return now - datetime.timedelta(seconds=seconds)


def _take(work, owner, what, act):
    """``act(message)`` under the share's lock if ``owner`` is still down
    then. False when the lock is busy."""
    def still_down():
        last = services_db.last_heartbeats(c.BINARY_SHARE).get(owner)
        if last is None or service.up_at(last):
            LOG.info('Backend %s is back: %s of %s is left to it', owner,
                     work.flow, work.target)
            return
        act(message(what, owner, last))
    return recovery.locked(work, 'Giving up', still_down, blocking=False)


def run(driver, backend, heartbeats):
    """Take what down managers left that ``backend`` (``host@name``) must.

    :param heartbeats: this manager's service.Heartbeats.
    :returns: [pending_db.Work taken (given up or failed, unless its owner
        came back meanwhile)].
    """
    if not heartbeats.steady_for(CONF.service_down_time):
        LOG.debug('%s: own heartbeats not steady yet; no one is judged '
                  'down', backend)
        return []
    now = timeutils.utcnow()
    beats = services_db.last_heartbeats(c.BINARY_SHARE)
    down = sorted(host for host, last in beats.items()
                  if host != backend and not service.up_at(last, now))
    if not down:
        return []
    taken = []
    min_age = _cutoff(now, CONF.share.pending_work_min_age)
    for owner in down:
        for work in pending_db.promotes_to(owner, backend, min_age):
            act = functools.partial(replication.abandon_promote, driver,
                                    work.target)
            if _take(work, owner, 'Promotion of replica %s' % work.target,
                     act):
                taken.append(work)
    up = sorted(host for host, last in beats.items()
                if service.up_at(last, now))
    if not up or up[0] != backend:
        return taken
    timeout = _cutoff(now, CONF.share.dead_owner_work_timeout)
    for owner in down:
        for work in pending_db.pending_work(owner, older_than=timeout):
            if work.flow not in FAILS:
                continue
            what, _fail = FAILS[work.flow]
            if _take(work, owner, what, functools.partial(
                    fail_and_tell, work.flow, work.target)):
                taken.append(work)
    return taken
