"""The pending work sweep: nothing stays in a transitional state.

Start-up recovery (recovery.py) only runs when a manager starts, and only
finds what that manager owns then. Work can be left behind while every
manager keeps running:

- the old active's manager dies inside an ``add_replica`` or a
  ``delete_replica`` and another replica is promoted: the work now belongs
  to the new active's manager (pending_db.py's rule), which is running and
  never restarts;
- a flow's final database write fails for longer than its retries (a long
  database outage): the storage is done, the records still say
  ``creating``, ``replication_change``...

Every ``[share]/pending_work_sweep_interval`` seconds each manager lists
the work it owns now (pending_db.pending_work) that has not changed for
``[share]/pending_work_min_age`` seconds, and for each piece tries its
share's lock without waiting. A held lock means a live manager is working
on the share (a long sync, a promote): the piece is left to it and looked
at again next time. A free lock means no live manager is: the sweep redoes
the flow under the lock (flows read the state first and are idempotent;
each ends in a visible state, available or error with a message). A
failure of the redo is logged and the piece stays for the next sweep.
"""
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.share import pending_db
from manila_repl.share import recovery

LOG = logging.getLogger(__name__)


def run(driver, backend, min_age):
    """One sweep of ``backend``'s work older than ``min_age`` seconds.

    :returns: ([Work redone], [Work skipped: a live manager holds its
        share's lock]).
    """
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=min_age)
    done, busy = [], []
    for work in pending_db.pending_work(backend, older_than=cutoff):
        if recovery.redo(driver, work, blocking=False):
            done.append(work)
        else:
            LOG.debug('%s of %s: share %s is busy; left to its manager',
                      work.flow, work.target, work.share_id)
            busy.append(work)
    if done:
        LOG.info('Sweep of %s redid %d piece(s) of pending work', backend,
                 len(done))
    return done, busy
