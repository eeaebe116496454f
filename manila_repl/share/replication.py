"""The replica flows a share manager runs (the design's routing):

- ``add_replica``, ``delete_replica``, ``update_replica``: on the manager of
  the share's ACTIVE replica;
- ``promote_replica``: on the manager of the NEW active replica;
  ``abandon_promote`` (its manager is down) on the current active's.

Each flow reads what it needs, calls the driver outside any transaction,
and saves the driver's answer with conditional updates, so that a late or
repeated cast, or a replica deleted meanwhile, changes nothing.
"""
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl import messages
from manila_repl import notifications
from manila_repl.share import access
from manila_repl.share import instance_db
from manila_repl.share import snapshots

LOG = logging.getLogger(__name__)
Instance = models.ShareInstance
Share = models.Share


def add_replica(driver, replica_id):
    replica, view = instance_db.load(replica_id)
    if replica is None or replica.status != c.STATUS_CREATING \
            or not replica.host:
        LOG.info('Replica %s is not waiting to be added', replica_id)
        return
    active = view.active_replica
    notifications.share_event(driver, 'share_replica.create.start', replica)
    try:
        if active is None:
            raise RuntimeError('the share has no active replica')
        update = driver.add_replica(active, view) or {}
    except Exception as e:
        LOG.exception('Adding replica %s failed', replica_id)
        if instance_db.record(replica_id, c.STATUS_CREATING,
                              status=c.STATUS_ERROR,
                              replica_state=c.REPLICA_STATE_ERROR,
                              status_message='Replica creation failed: %s'
                                             % e):
            messages.replica(replica_id, messages.Action.CREATE,
                             messages.Detail.NO_ACTIVE_REPLICA
                             if active is None else
                             messages.Detail.DRIVER_FAILED_ADD_REPLICA)
            notifications.share_event(driver, 'share_replica.create.error',
                                      replica, error=e,
                                      status=c.STATUS_ERROR)
        return
    state = update.get('replica_state') or c.REPLICA_STATE_OUT_OF_SYNC
    if state == c.REPLICA_STATE_ACTIVE and \
            view.replication_type != 'writable':
        state = c.REPLICA_STATE_OUT_OF_SYNC

    def added(s):
        if not instance_db.transition(
                s, replica_id, c.STATUS_CREATING, status=c.STATUS_AVAILABLE,
                replica_state=state, status_message=None,
                last_sync_at=update.get('last_sync_at')):
            return False
        instance_db.set_export_locations(
            s, replica_id, update.get('export_locations'))
        return True
    if retry.transaction(added):
        # The new replica gets every rule (never fails the add).
        access.after_replica_added(driver, replica.share_id, replica_id)
        notifications.share_event(driver, 'share_replica.create.end',
                                  replica, status=c.STATUS_AVAILABLE,
                                  replica_state=state)
    _sync_snapshots(driver, replica_id, replica.share_id)


def _sync_snapshots(driver, replica_id, share_id):
    """A replica that just synced gets every available snapshot of its
    share (the design: in_sync means it holds them all); one that could
    not take them all is out_of_sync."""
    if not snapshots.replica_lacks_snapshots(share_id, replica_id):
        return
    replica, view = instance_db.load(replica_id, share_id)
    if replica is None or replica.status != c.STATUS_AVAILABLE or \
            replica.replica_state == c.REPLICA_STATE_ERROR:
        return
    if snapshots.sync_replica_snapshots(driver, replica.share_id, view):
        return
    with session.transaction() as s:
        s.execute(sa.update(Instance)
                  .where(Instance.id == replica_id,
                         Instance.status == c.STATUS_AVAILABLE,
                         Instance.replica_state == c.REPLICA_STATE_IN_SYNC)
                  .values(replica_state=c.REPLICA_STATE_OUT_OF_SYNC,
                          status_message='The replica lacks snapshots.',
                          updated_at=timeutils.utcnow()))


def delete_replica(driver, replica_id, force=False):
    replica, view = instance_db.load(replica_id)
    if replica is None or replica.status != c.STATUS_DELETING:
        LOG.info('Replica %s is not being deleted', replica_id)
        return
    notifications.share_event(driver, 'share_replica.delete.start', replica)
    # Its snapshot instances first (rows go with the replica's, by
    # cascade); one already gone is no error.
    snapshots.delete_replica_snapshots(driver, view)
    try:
        driver.remove_replica(view)
    except Exception as e:
        if not force:
            LOG.exception('Removing replica %s failed', replica_id)
            if instance_db.record(replica_id, c.STATUS_DELETING,
                                  status=c.STATUS_ERROR_DELETING,
                                  status_message='Replica deletion failed: '
                                                 '%s' % e):
                messages.replica(replica_id, messages.Action.DELETE,
                                 messages.Detail.DRIVER_FAILED_DELETE_REPLICA)
                notifications.share_event(
                    driver, 'share_replica.delete.error', replica, error=e,
                    status=c.STATUS_ERROR_DELETING)
            return
        LOG.warning('Force-deleting replica %s despite: %s', replica_id, e)
    instance_db.remove(replica_id)
    notifications.share_event(driver, 'share_replica.delete.end', replica,
                              status='deleted')


def _error_message(instance, update, new_id):
    """Why a replica reads error after a promote (shown at once)."""
    if update.get('message'):
        return update['message']
    if instance.replica_state == c.REPLICA_STATE_ACTIVE:
        return ('Replica %s was promoted while this replica, the active '
                'one until then, could not be reached: its writes after '
                'its last sync are lost. It is re-synced from the new '
                'active replica once its backend is back.' % new_id)
    return ('Its backend could not be reached when replica %s was '
            'promoted; it is re-synced once its backend is back.' % new_id)


def _release_guard(s, share_id, replica_id):
    """End the share's promote of ``replica_id``; False when it is not
    waiting for it any more (recorded already, or reset)."""
    taken = s.execute(
        sa.update(Share)
        .where(Share.id == share_id,
               Share.task_state == c.TASK_REPLICATION_CHANGE,
               Share.task_instance_id == replica_id)
        .values(task_state=None, task_instance_id=None))
    return taken.rowcount == 1


def _finish_promote(share_id, replica_id, updates, replication_type):
    """Apply the driver's answer in ONE transaction: at no instant do two
    replicas read active (readable and dr types). Only while the share
    still waits for this promote: a retry after a lost commit answer, or a
    redo by the sweep, finds it done and changes nothing. Each replica it
    puts in error gets a user message."""
    by_id = {u['id']: u for u in updates if u.get('id')}

    def finish(s):
        unreachable = []
        if not _release_guard(s, share_id, replica_id):
            LOG.info('Promote of replica %s recorded already', replica_id)
            return unreachable
        now = timeutils.utcnow()
        instances = s.execute(
            sa.select(Instance.id, Instance.replica_state, Instance.status)
            .where(Instance.share_id == share_id)).all()
        for instance in instances:
            update = by_id.get(instance.id, {})
            state = update.get('replica_state')
            if instance.id == replica_id:
                state = c.REPLICA_STATE_ACTIVE
            elif (state or instance.replica_state) == \
                    c.REPLICA_STATE_ACTIVE and replication_type != 'writable':
                # Also when the driver's answer leaves the old active out.
                state = c.REPLICA_STATE_OUT_OF_SYNC
            values = {'updated_at': now}
            if instance.id == replica_id:
                values['status_message'] = None
            elif state == c.REPLICA_STATE_ERROR:
                values['status_message'] = _error_message(
                    instance, update, replica_id)
                if instance.replica_state != c.REPLICA_STATE_ERROR:
                    unreachable.append(instance.id)
            if state:
                values['replica_state'] = state
            if instance.status == c.STATUS_REPLICATION_CHANGE:
                values['status'] = c.STATUS_AVAILABLE
            s.execute(sa.update(Instance).where(Instance.id == instance.id)
                      .values(**values))
            if 'export_locations' in update:
                instance_db.set_export_locations(
                    s, instance.id, update['export_locations'])
        return unreachable
    for instance_id in retry.transaction(finish):
        messages.replica(instance_id, messages.Action.PROMOTE,
                         messages.Detail.REPLICA_UNREACHABLE_AT_PROMOTE)


def _fail_promote(share_id, replica_id, message, active_messages=None):
    """Every instance keeps its replica_state; the target reads error.
    ``active_messages``: {active instance id: status message} to set too.

    :returns: False when the share was not waiting for this promote any
        more (nothing changed).
    """
    def fail(s):
        if not _release_guard(s, share_id, replica_id):
            return False
        s.execute(sa.update(Instance)
                  .where(Instance.share_id == share_id,
                         Instance.status == c.STATUS_REPLICATION_CHANGE)
                  .values(status=c.STATUS_AVAILABLE,
                          updated_at=timeutils.utcnow()))
        s.execute(sa.update(Instance)
                  .where(Instance.id == replica_id,
                         Instance.replica_state != c.REPLICA_STATE_ACTIVE)
                  .values(replica_state=c.REPLICA_STATE_ERROR,
                          status_message=message))
        for instance_id, text in (active_messages or {}).items():
            s.execute(sa.update(Instance)
                      .where(Instance.id == instance_id)
                      .values(status_message=text))
        return True
    return retry.transaction(fail)


def promote_replica(driver, replica_id):
    replica, view = instance_db.load(replica_id)
    if replica is None:
        return
    share = replica.share
    if share.task_state != c.TASK_REPLICATION_CHANGE or \
            share.task_instance_id != replica_id:
        LOG.info('No promotion of replica %s is pending', replica_id)
        return
    notifications.share_event(driver, 'share_replica.promote.start', replica)
    try:
        # Manila's promote_replica gets the rules too: the new active must
        # serve them, at their own levels, when the promote reports done.
        updates = driver.set_active_replica(
            view, access_rules=access.promote_rules(share.id)) or []
    except Exception as e:
        LOG.exception('Promoting replica %s failed', replica_id)
        if _fail_promote(share.id, replica_id, 'Promotion failed: %s' % e):
            messages.replica(replica_id, messages.Action.PROMOTE,
                             messages.Detail.DRIVER_FAILED_PROMOTE)
            notifications.share_event(
                driver, 'share_replica.promote.error', replica, error=e,
                replica_state=c.REPLICA_STATE_ERROR)
        return
    _finish_promote(share.id, replica_id, updates, share.replication_type)
    notifications.share_event(driver, 'share_replica.promote.end', replica,
                              replica_state=c.REPLICA_STATE_ACTIVE,
                              status=c.STATUS_AVAILABLE)
    # Levels follow the active replica (never fails the promote).
    access.after_promote(driver, share.id)


def abandon_promote(driver, replica_id, message):
    """Give up the pending promote of ``replica_id`` (its own manager is
    down: dead_owners.py): on the manager of the share's still active
    replica, under the share's lock. The driver makes the active writable
    again (the promote may have frozen it), then, only while the share
    still waits for this promote, every replica keeps its state, the
    target reads ``error`` with ``message`` and the share takes requests
    again. The status loop then re-syncs the target from the active once
    its backend answers; a returning target manager finds nothing to do.

    :returns: True when the promote was given up.
    """
    replica, view = instance_db.load(replica_id)
    if replica is None:
        return False
    share = replica.share
    if share.task_state != c.TASK_REPLICATION_CHANGE or \
            share.task_instance_id != replica_id:
        LOG.info('No promotion of replica %s is pending', replica_id)
        return False
    active = view.active_replica
    active_messages = {}
    if active is not None:
        try:
            driver.abandon_promote(active, view)
        except Exception as e:
            LOG.exception('The active replica %s of share %s may stay '
                          'read-only after the abandoned promote of %s',
                          active.id, share.id, replica_id)
            active_messages[active.id] = (
                'The abandoned promotion of replica %s may have left this '
                'replica read-only: %s' % (replica_id, e))
    if not _fail_promote(share.id, replica_id, message, active_messages):
        return False
    LOG.warning('Share %s: %s', share.id, message)
    messages.replica(replica_id, messages.Action.PROMOTE,
                     messages.Detail.BACKEND_DOWN)
    # The promote may have turned the active's export read-only: its
    # rules are applied again at their levels (never fails this).
    access.apply_again(driver, share.id)
    notifications.share_event(driver, 'share_replica.promote.error',
                              replica, error=message,
                              replica_state=c.REPLICA_STATE_ERROR)
    return True


def save_status(s, replica_id, update):
    """Save an update_replica_status answer if the replica is still a plain
    available non-active replica (skipped when deleted or in transition)."""
    values = {'replica_state': update.get('replica_state'),
              'updated_at': timeutils.utcnow()}
    if values['replica_state'] not in (c.REPLICA_STATE_IN_SYNC,
                                       c.REPLICA_STATE_OUT_OF_SYNC,
                                       c.REPLICA_STATE_ERROR):
        return False
    if update.get('last_sync_at'):
        values['last_sync_at'] = update['last_sync_at']
    result = s.execute(sa.update(Instance)
                       .where(Instance.id == replica_id,
                              Instance.status == c.STATUS_AVAILABLE,
                              Instance.replica_state !=
                              c.REPLICA_STATE_ACTIVE)
                       .values(**values))
    return result.rowcount == 1


def update_replica(driver, replica_id):
    """Resync one replica now (admin request)."""
    replica, view = instance_db.load(replica_id)
    if replica is None or replica.status != c.STATUS_AVAILABLE or \
            replica.replica_state == c.REPLICA_STATE_ACTIVE or \
            replica.share.task_state is not None:
        return
    try:
        update = driver.update_replica_status(view)
    except Exception as e:
        LOG.exception('Updating replica %s failed', replica_id)
        update = {'replica_state': c.REPLICA_STATE_ERROR}
        message = 'Replica update failed: %s' % e
    else:
        message = None
    saved = False
    if update:
        with session.transaction() as s:
            saved = save_status(s, replica_id, update)
            if saved:
                s.execute(sa.update(Instance)
                          .where(Instance.id == replica_id)
                          .values(status_message=message))
    if saved and update['replica_state'] == c.REPLICA_STATE_ERROR:
        # The resync asked for failed.
        messages.replica(replica_id, messages.Action.UPDATE,
                         messages.Detail.REPLICA_ERROR)
    if update and update.get('replica_state') in (
            c.REPLICA_STATE_IN_SYNC, c.REPLICA_STATE_OUT_OF_SYNC):
        # A re-seeded replica (a returning old active) serves its rules
        # again; those that failed while it was away read error till now.
        access.apply_again(driver, replica.share_id)
    if update and update.get('replica_state') == c.REPLICA_STATE_IN_SYNC:
        _sync_snapshots(driver, replica_id, replica.share_id)
