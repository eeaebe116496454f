"""Extend and shrink, the REST side: every replica of a share is resized.

One transaction takes the share's guard (``task_state``: ``extending`` or
``shrinking``, set only WHERE it IS NULL, so a promote, a delete or a
second resize meanwhile gets 409) with the target size in ``task_size``
(what a restarted manager resumes), moves every ``available`` instance to
``extending``/``shrinking`` (status message ``Extending to N GiB.``),
checks the quota (extend), and then casts to the manager of the
active replica (the only instance of an unreplicated share), which resizes
every instance (share/resize.py).

Which shares can be resized: the active replica must be ``available``;
every other replica must be ``available`` (it is resized) or in an error
status (``error``, ``extending_error``, ``shrinking_error``: it is
skipped and keeps its old size on its storage; an admin resets it and
repeats the resize, which drivers do idempotently). Any other status
(creating, deleting, a promote) answers 400, as Manila's "share must be
available".

Quota (extend only): ``gigabytes`` grows by the increase, and, for a
replicated share, ``replica_gigabytes`` by the increase times the number
of its instances (each counts ``size`` GiB). Manila answers 403 for an
extend over quota (ShareSizeExceedsAvailableQuota is turned into
HTTPForbidden by its controller); so do we. Usage counts a share being
extended at its ``task_size`` from the moment the extend is recorded, and
the check holds the project's quota lock (quotas.py), so extends racing
for a project's last GiB cannot both pass.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import session
from manila_repl import exception
from manila_repl import quotas
from manila_repl.share.api import (
    _primary,
    _share_rpc,
    Instance,
    Share,
    busy,
    cast,
    get_share,
)

#: Statuses of a non-active replica that a resize skips.
SKIPPED_STATUSES = (c.STATUS_ERROR, c.STATUS_EXTENDING_ERROR,
                    c.STATUS_SHRINKING_ERROR)
_MESSAGE = {c.STATUS_EXTENDING: 'Extending to %d GiB.',
            c.STATUS_SHRINKING: 'Shrinking to %d GiB.'}


def _start(context, share_id, new_size, status, check):
    """Take the guard and mark the instances; returns (host, ids)."""
    with session.transaction() as s:
        share = get_share(context, share_id, s)
        taken = s.execute(
            sa.update(Share)
            .where(Share.id == share_id, Share.task_state.is_(None))
            .values(task_state=status, task_size=new_size,
                    updated_at=timeutils.utcnow()))
        if taken.rowcount != 1:
            raise busy(s, share_id)
        s.refresh(share)
        s.refresh(share, ['instances'])
        primary = _primary(share)
        if primary is None or primary.status != c.STATUS_AVAILABLE \
                or not primary.host:
            raise exception.InvalidInput(
                reason='share %s must be available to be resized; its '
                       'status is %s' % (
                           share_id,
                           primary.status if primary else 'unknown'))
        targets = [primary.id]
        for instance in share.instances:
            if instance.id == primary.id:
                continue
            if instance.status == c.STATUS_AVAILABLE:
                targets.append(instance.id)
            elif instance.status not in SKIPPED_STATUSES:
                raise exception.InvalidInput(
                    reason='replica %s of share %s is %s; wait until it is '
                           'available' % (instance.id, share_id,
                                          instance.status))
        check(s, share)
        done = s.execute(
            sa.update(Instance)
            .where(Instance.id.in_(targets),
                   Instance.status == c.STATUS_AVAILABLE)
            .values(status=status,
                    status_message=_MESSAGE[status] % new_size,
                    updated_at=timeutils.utcnow()))
        if done.rowcount != len(targets):
            raise exception.ShareBusy(
                share_id=share_id, reason='its replicas changed meanwhile')
        host = primary.host

    def undo(s):
        s.execute(sa.update(Instance)
                  .where(Instance.id.in_(targets), Instance.status == status)
                  .values(status=c.STATUS_AVAILABLE, status_message=None))
        s.execute(sa.update(Share)
                  .where(Share.id == share_id, Share.task_state == status)
                  .values(task_state=None, task_size=None))
    return host, undo


def extend_share(context, share_id, new_size, force=False):
    """Grow every replica of the share to ``new_size`` GiB."""
    new_size = _size(new_size)

    def check(s, share):
        if new_size <= share.size:
            raise exception.InvalidInput(
                reason='new size for extend must be greater than the '
                       'current size of share %s (current: %d, new: %d)'
                       % (share.id, share.size, new_size))
        try:
            # The share's task_size is new_size already: counted so.
            quotas.check_extend(s, share, new_size)
        except exception.OverQuota as e:
            # Manila: ShareSizeExceedsAvailableQuota -> HTTPForbidden.
            raise exception.NotAuthorized(
                'Requested share extend exceeds the quota: %s' % e.msg)

    host, undo = _start(context, share_id, new_size, c.STATUS_EXTENDING,
                        check)
    cast(lambda: _share_rpc().extend_share(context, host, share_id,
                                           new_size),
         undo, 'extend share %s' % share_id)


def shrink_share(context, share_id, new_size):
    """Shrink every replica of the share to ``new_size`` GiB."""
    new_size = _size(new_size)

    def check(s, share):
        if new_size >= share.size:
            raise exception.InvalidInput(
                reason='new size for shrink must be less than the current '
                       'size of share %s (current: %d, new: %d)'
                       % (share.id, share.size, new_size))

    host, undo = _start(context, share_id, new_size, c.STATUS_SHRINKING,
                        check)
    cast(lambda: _share_rpc().shrink_share(context, host, share_id,
                                           new_size),
         undo, 'shrink share %s' % share_id)


def _size(value):
    try:
        size = int(str(value).strip())
    except (TypeError, ValueError):
        raise exception.InvalidInput(
            reason='new_size must be a positive integer, not %r' % (value,))
    if not 1 <= size <= 2 ** 31 - 1:
        raise exception.InvalidInput(
            reason='new_size must be a positive integer, not %r' % (value,))
    return size
