"""Notifications through oslo.messaging's Notifier, on the notification
transport (``[oslo_messaging_notifications]``: ``driver``, ``topics``,
``transport_url``, ``retry``). Off by default: with no driver configured
nothing is built, read or sent, and every function here returns at once.

Events, each emitted where the work happens (the share manager running
the flow, or the scheduler when placement fails), publisher
``share.<host>@<backend>`` or ``scheduler.<host>``:

- ``share.create.start|end|error``, ``share.delete.start|end|error``;
- ``share_replica.create.start|end|error``,
  ``share_replica.delete.start|end|error``,
  ``share_replica.promote.start|end|error``;
- ``share_replica.state_change``: the status loop saw a replica's
  ``replica_state`` change (``old_replica_state``, ``replica_state``,
  ``lag_seconds``: seconds since its last successful sync).

``.error`` events go at level ERROR (with ``error_message``), the others
at INFO. Payloads are flat dicts with ``payload_version`` (major.minor: a
new field bumps the minor, a removed or changed one the major).
Sending never fails a flow: an error is logged, and a notification that
cannot leave within ``retry`` reconnections (3 here unless configured; the
library's own default waits forever) is dropped.
"""
import threading

from oslo_config import cfg
from oslo_log import log as logging

from manila_repl.conf import CONF

LOG = logging.getLogger(__name__)

PAYLOAD_VERSION = '1.0'
GROUP = 'oslo_messaging_notifications'
#: Reconnections before a notification is dropped, unless configured.
DEFAULT_RETRY = 3

_lock = threading.Lock()
_transport = None
_notifiers = {}


def register_opts(conf):
    """oslo.messaging's [oslo_messaging_notifications] options (it
    registers them itself only once a notifier is made), with our
    ``retry``: a flow must never wait forever on a notification."""
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        if group == GROUP:
            conf.register_opts(opts, group=GROUP)
    conf.set_default('retry', DEFAULT_RETRY, group=GROUP)


def enabled(conf=CONF):
    """Whether a notification driver is configured."""
    try:
        return bool(conf[GROUP].driver)
    except cfg.NoSuchOptError:      # not registered yet
        register_opts(conf)
        return bool(conf[GROUP].driver)


def _notifier(publisher_id):
    global _transport
    import oslo_messaging as messaging

    with _lock:
        notifier = _notifiers.get(publisher_id)
        if notifier is None:
            if _transport is None:
                _transport = messaging.get_notification_transport(CONF)
            notifier = messaging.Notifier(_transport,
                                          publisher_id=publisher_id)
            _notifiers[publisher_id] = notifier
        return notifier


def reset():
    """Forget the notifiers and their transport (tests, shutdown)."""
    global _transport
    with _lock:
        _notifiers.clear()
        if _transport is not None:
            _transport.cleanup()
        _transport = None


def _context():
    from oslo_context import context

    current = context.get_current()
    return current.to_dict() if current is not None else {}


def emit(publisher_id, event_type, payload, error=None):
    """Send ``event_type`` (ERROR level when ``error`` is given)."""
    if not enabled():
        return
    payload = dict(payload, payload_version=PAYLOAD_VERSION)
    if error is not None:
        payload['error_message'] = str(error)
    try:
        notifier = _notifier(publisher_id)
        if error is not None:
            notifier.error(_context(), event_type, payload)
        else:
            notifier.info(_context(), event_type, payload)
    except Exception:
        LOG.exception('Notification %s not sent', event_type)


def _iso(value):
    return value.isoformat() if value is not None else None


def instance_payload(instance, **extra):
    """What every share and replica event carries, from an ORM share
    instance whose share is loaded (instance_db.load's)."""
    share = instance.share
    payload = {
        'share_id': instance.share_id,
        'share_instance_id': instance.id,
        'project_id': share.project_id,
        'user_id': share.user_id,
        'size': share.size,
        'share_proto': share.share_proto,
        'share_type_id': share.share_type_id,
        'replication_type': share.replication_type,
        'host': instance.host,
        'availability_zone': instance.availability_zone,
        'status': instance.status,
        'replica_state': instance.replica_state,
        'last_sync_at': _iso(instance.last_sync_at),
        'created_at': _iso(instance.created_at),
    }
    payload.update(extra)
    return payload


def share_publisher(driver):
    return 'share.%s@%s' % (CONF.host, driver.backend_name)


def share_event(driver, event_type, instance, error=None, **extra):
    """An event of a share manager's flow about ``instance``."""
    if instance is None or not enabled():
        return
    emit(share_publisher(driver), event_type,
         instance_payload(instance, **extra), error=error)


def placement_failed(instance_id, message):
    """The scheduler found no pool for a share's or replica's instance."""
    if not enabled():
        return
    from manila_repl.share import instance_db

    instance, _view = instance_db.load(instance_id)
    if instance is None:
        return
    replica = instance.replica_state not in (None, 'active')
    emit('scheduler.%s' % CONF.host,
         'share_replica.create.error' if replica else 'share.create.error',
         instance_payload(instance), error=message)


def state_change(driver, row, new_state, now):
    """The status loop saw ``row`` (a replica_status batch row) go from
    its replica_state to ``new_state``."""
    if not enabled():
        return
    synced = row.get('last_sync_at')
    emit(share_publisher(driver), 'share_replica.state_change', {
        'share_id': row['share_id'],
        'share_instance_id': row['id'],
        'project_id': row.get('project_id'),
        'host': row['host'],
        'availability_zone': row['availability_zone'],
        'old_replica_state': row['replica_state'],
        'replica_state': new_state,
        'last_sync_at': _iso(synced),
        # The loop's clock was read before the driver synced: never < 0.
        'lag_seconds': (max((now - synced).total_seconds(), 0.0)
                        if synced is not None else None),
    })
