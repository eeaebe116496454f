"""Extend and shrink a share: every replica, from the active's manager.

The API (resize_api.py) left the share with ``task_state`` = ``extending``
or ``shrinking``, the target size in ``task_size``, and each instance to
resize in that status. This manager calls the driver once per
such instance, the active first, outside any transaction, then records
the outcome in one transaction:

- every instance resized: ``shares.size`` = new size, the instances
  ``available``, the guard released;
- shrink refused by a driver (ShareShrinkingPossibleDataLoss, nothing
  changed on that instance): the resize stops; instances already shrunk
  are grown back to the old size; every instance goes back to
  ``available`` with the status message ``Shrinking to N GiB would lose
  data: ...`` and the size stays (Manila's newer behaviour: the share
  stays usable; the reason is shown on the replicas);
- any other failure: that instance goes to ``extending_error`` or
  ``shrinking_error`` with the reason in its status message, the other
  instances back to ``available``, ``shares.size`` unchanged (the share's
  status is its active replica's: ``extending_error`` if the active
  failed). Replicas already resized keep their new size on storage: an
  extend leaves them larger than recorded, which costs nothing; repeating
  the resize after an admin status reset redoes it idempotently.

The size is a share-level column (views pass ``share.size`` to drivers),
so it only changes when every resized instance succeeded.

Recovery: start-up recovery and the pending work sweep (pending_db.py,
sweep.py) resume a resize of a share whose active replica this backend
owns (``resume``) to ``task_size``; without one, the instances fail
visibly. The final write is retried while the database connection fails.
"""
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl import exception
from manila_repl import messages
from manila_repl.share import views

LOG = logging.getLogger(__name__)
Instance = models.ShareInstance
Share = models.Share

_ERROR = {c.STATUS_EXTENDING: c.STATUS_EXTENDING_ERROR,
          c.STATUS_SHRINKING: c.STATUS_SHRINKING_ERROR}
_VERB = {c.STATUS_EXTENDING: 'Extending', c.STATUS_SHRINKING: 'Shrinking'}


def extend_share(driver, share_id, new_size):
    _resize(driver, share_id, new_size, c.STATUS_EXTENDING)


def shrink_share(driver, share_id, new_size):
    _resize(driver, share_id, new_size, c.STATUS_SHRINKING)


def _unsupported(view, new_size):
    raise NotImplementedError


def _load(share_id, status):
    """(share size, [views to resize, active first]) or None."""
    with session.reader() as r:
        share = r.get(Share, share_id)
        if share is None or share.task_state != status:
            return None
        by_id = {v.id: v for v in views.for_share(share)}
        targets = [by_id[i.id] for i in share.instances
                   if i.status == status]
        messages = {i.id: i.status_message for i in share.instances
                    if i.status == status}
        old_size = share.size
    targets.sort(key=lambda v: v.replica_state != c.REPLICA_STATE_ACTIVE)
    return old_size, targets, messages


def _resize(driver, share_id, new_size, status):
    loaded = _load(share_id, status)
    if loaded is None:
        LOG.info('Share %s is not %s; nothing to do', share_id, status)
        return
    old_size, targets, _messages = loaded
    method = getattr(driver, 'extend_share' if status == c.STATUS_EXTENDING
                     else 'shrink_share', None) or _unsupported
    failed = {}
    done = []
    data_loss = None
    unsupported = False
    for view in targets:
        try:
            method(view, new_size)
            done.append(view)
        except exception.ShareShrinkingPossibleDataLoss as e:
            data_loss = e
            break
        except NotImplementedError:
            unsupported = True
            failed[view.id] = ('%s failed: the driver does not support it.'
                               % _VERB[status])
        except Exception as e:
            LOG.exception('%s instance %s of share %s to %d GiB failed',
                          _VERB[status], view.id, share_id, new_size)
            failed[view.id] = '%s to %d GiB failed: %s' % (
                _VERB[status], new_size, e)
    if data_loss is not None:
        LOG.warning('Shrinking share %s to %d GiB refused: %s',
                    share_id, new_size, data_loss)
        for view in done:
            # Undo: the instances already shrunk grow back.
            try:
                driver.extend_share(view, old_size)
            except Exception as e:
                LOG.exception('Could not grow instance %s back to %d GiB',
                              view.id, old_size)
                failed[view.id] = ('Shrinking was refused on another '
                                   'replica and growing this one back to '
                                   '%d GiB failed: %s' % (old_size, e))
        message = 'Shrinking to %d GiB would lose data: %s' % (
            new_size, data_loss)
        if _finish(share_id, status, None, failed, message):
            messages.share(share_id, messages.Action.SHRINK,
                           messages.Detail.DRIVER_REFUSED_SHRINK)
        return
    if _finish(share_id, status, None if failed else new_size, failed,
               None) and failed:
        messages.share(share_id, *_failure(status, unsupported))


def _failure(status, unsupported):
    """(action, detail) of the user message of a failed resize."""
    if status == c.STATUS_EXTENDING:
        return messages.Action.EXTEND, messages.Detail.DRIVER_FAILED_EXTEND
    return messages.Action.SHRINK, (
        messages.Detail.DRIVER_FAILED_SHRINK if unsupported
        else messages.Detail.DRIVER_FAILED_SHRINKING)


def _finish(share_id, status, new_size, failed, message):
    """Record the outcome in one transaction and release the guard
    (retried while the database connection fails).

    :returns: False when the share was not resizing any more (recorded
        already: nothing changed).
    """
    def finish(s):
        now = timeutils.utcnow()
        for instance_id, reason in failed.items():
            s.execute(sa.update(Instance)
                      .where(Instance.id == instance_id,
                             Instance.status == status)
                      .values(status=_ERROR[status], status_message=reason,
                              updated_at=now))
        s.execute(sa.update(Instance)
                  .where(Instance.share_id == share_id,
                         Instance.status == status)
                  .values(status=c.STATUS_AVAILABLE, status_message=message,
                          updated_at=now))
        values = {'task_state': None, 'task_size': None, 'updated_at': now}
        if new_size is not None:
            values['size'] = new_size
        return s.execute(sa.update(Share)
                         .where(Share.id == share_id,
                                Share.task_state == status)
                         .values(**values)).rowcount == 1
    return retry.transaction(finish)


# -- recovery ---------------------------------------------------------------

def _pending(share_id):
    """(task_state, task_size) of the share's resize, or (None, None)."""
    with session.reader() as r:
        share = r.get(Share, share_id)
        if share is None or share.task_state not in (c.STATUS_EXTENDING,
                                                     c.STATUS_SHRINKING):
            return None, None
        return share.task_state, share.task_size


def _fail_all(share_id, status, message):
    """Every instance still in ``status`` fails with ``message``.

    :returns: whether the resize was failed (False: finished already).
    """
    with session.reader() as r:
        ids = r.scalars(sa.select(Instance.id).where(
            Instance.share_id == share_id, Instance.status == status)).all()
    return _finish(share_id, status, None, {i: message for i in ids}, None)


def resume(driver, share_id):
    """Redo an interrupted resize (drivers are idempotent for one size), or
    fail it visibly when its target size is unknown."""
    status, target = _pending(share_id)
    if status is None:
        return
    if target is not None:
        _resize(driver, share_id, target, status)
        return
    if _fail_all(share_id, status, '%s was interrupted and its target '
                                   'size is unknown.' % _VERB[status]):
        messages.share(share_id, *_failure(status, False))


def fail(share_id, message):
    """Fail a pending resize without the driver: its manager is down
    (dead_owners.py); the size stays.

    :returns: the user message action of the resize failed (extend or
        shrink), or None when there was none to fail.
    """
    status, _target = _pending(share_id)
    if status is not None and _fail_all(share_id, status, message):
        return _failure(status, False)[0]
    return None
