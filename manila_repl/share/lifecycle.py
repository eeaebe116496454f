"""Create and delete share instances on this manager's backend.

The write that records the driver's outcome is retried while the database
connection fails (db/retry.py); if it still fails, the instance stays
``creating`` or ``deleting`` for the pending work sweep (sweep.py).
"""
from oslo_log import log as logging

from manila_repl import constants as c
from manila_repl.db import retry
from manila_repl import messages
from manila_repl import notifications
from manila_repl.share import instance_db
from manila_repl.share import snapshots

LOG = logging.getLogger(__name__)


def create_share_instance(driver, instance_id):
    instance, view = instance_db.load(instance_id)
    if instance is None or instance.status != c.STATUS_CREATING:
        LOG.info('Instance %s is not being created; nothing to do',
                 instance_id)
        return
    notifications.share_event(driver, 'share.create.start', instance)
    try:
        source = snapshots.source_of(instance_id)
        update = (driver.create_share(view) if source is None else
                  driver.create_share_from_snapshot(view, source)) or {}
    except Exception as e:
        LOG.exception('Creating share instance %s failed', instance_id)
        if instance_db.record(instance_id, c.STATUS_CREATING,
                              status=c.STATUS_ERROR,
                              status_message='Share creation failed: %s' % e):
            messages.instance(instance_id, messages.Action.CREATE,
                              messages.Detail.DRIVER_FAILED_CREATING_FROM_SNAP
                              if instance.share.snapshot_id else
                              messages.Detail.DRIVER_FAILED_CREATE)
            notifications.share_event(driver, 'share.create.error',
                                      instance, error=e,
                                      status=c.STATUS_ERROR)
        return

    def created(s):
        if instance_db.transition(s, instance_id, c.STATUS_CREATING,
                                  status=c.STATUS_AVAILABLE,
                                  status_message=None):
            instance_db.set_export_locations(
                s, instance_id, update.get('export_locations'))
    retry.transaction(created)
    notifications.share_event(driver, 'share.create.end', instance,
                              status=c.STATUS_AVAILABLE)


def delete_share_instance(driver, instance_id, force=False):
    instance, view = instance_db.load(instance_id)
    if instance is None or instance.status != c.STATUS_DELETING:
        LOG.info('Instance %s is not being deleted; nothing to do',
                 instance_id)
        return
    notifications.share_event(driver, 'share.delete.start', instance)
    try:
        driver.delete_share(view)
    except Exception as e:
        if not force:
            LOG.exception('Deleting share instance %s failed', instance_id)
            if instance_db.record(instance_id, c.STATUS_DELETING,
                                  status=c.STATUS_ERROR_DELETING,
                                  status_message='Share deletion failed: %s'
                                                 % e):
                messages.instance(instance_id, messages.Action.DELETE,
                                  messages.Detail.DRIVER_FAILED_DELETE)
                notifications.share_event(driver, 'share.delete.error',
                                          instance, error=e,
                                          status=c.STATUS_ERROR_DELETING)
            return
        LOG.warning('Force-deleting instance %s despite: %s',
                    instance_id, e)
    instance_db.remove(instance_id)
    notifications.share_event(driver, 'share.delete.end', instance,
                              status='deleted')
