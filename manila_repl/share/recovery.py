"""On start, finish or fail the work this backend owns in transition.

A manager killed mid-operation leaves instances in ``creating``,
``deleting`` or ``replication_change`` (and snapshots, access rules,
resizes in theirs). Whoever the design's routing names now redoes it
(pending_db.py has the rule and the queries, shared with the periodic
sweep, sweep.py). Redoing relies on flows and drivers being idempotent:
each flow reads the state first and does nothing once its work is done;
every flow ends in a visible state (available, or error with a message).
A cast still queued for the same work finds it done and does nothing.

Each piece of work runs under its share's lock (coordination.py), as the
RPC endpoints do: a restarted manager never drives a share's storage
while another manager (a promote on the new active's, the sweep) does.
"""
from oslo_log import log as logging

from manila_repl import coordination
from manila_repl.share import access
from manila_repl.share import lifecycle
from manila_repl.share import pending_db
from manila_repl.share import replication
from manila_repl.share import resize
from manila_repl.share import snapshots

LOG = logging.getLogger(__name__)

#: pending_db.Work.flow -> the flow that redoes it, called with
#: (driver, target).
FLOWS = {
    'add_replica': replication.add_replica,
    'delete_replica': replication.delete_replica,
    'promote_replica': replication.promote_replica,
    'create_share_instance': lifecycle.create_share_instance,
    'delete_share_instance': lifecycle.delete_share_instance,
    'create_snapshot': snapshots.create_snapshot,
    'delete_snapshot': snapshots.delete_snapshot,
    'update_access': access.update_access,
    'resize_share': resize.resume,
}


def locked(work, verb, func, blocking=True):
    """``func()`` under the share lock of ``work``; its errors are logged,
    never raised.

    :param verb: what is done to the work, for the log ("Redoing").
    :param blocking: False to give up at once when another manager holds
        the lock (it is working on the share).
    :returns: False when the lock was busy (nothing done), else True.
    """
    lock = coordination.share_lock(work.share_id)
    if not lock.acquire(blocking=blocking):
        return False
    try:
        LOG.info('%s %s of %s (share %s)', verb, work.flow, work.target,
                 work.share_id)
        func()
    except Exception:
        LOG.exception('%s %s of %s failed', verb, work.flow, work.target)
    finally:
        lock.release()
    return True


def redo(driver, work, blocking=True):
    """Redo one piece of work under its share's lock (see ``locked``)."""
    return locked(work, 'Redoing',
                  lambda: FLOWS[work.flow](driver, work.target), blocking)


def recover(driver, backend):
    """Redo each piece of pending work; one failure does not stop the rest.

    :returns: the pending_db.Work found.
    """
    work = pending_db.pending_work(backend)
    for item in work:
        redo(driver, item)
    return work
