"""User messages: the scheduler and the share managers record one where
an asynchronous operation fails, so that the project sees why
(``GET /v2/messages``).

A message belongs to the project of its resource (looked up when it is
written; none is written for a resource already gone), carries the
request id of the request that started the work when the work runs on
its behalf (the RPC context of the call: oslo.context keeps the context
of the RPC being served as the thread's current one), and expires after
``[message]/message_ttl`` seconds. Recording never fails the flow that
calls it: a message that cannot be written is logged and dropped. The API
reads and deletes them here too (``get``, ``delete``, ``list_messages``).

Callers record on transitions only (a flow's conditional write that took
effect, a replica state that changed), never at every retry or cycle.
"""
import datetime

from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.conf import CONF
from manila_repl.db import listing
from manila_repl.db import messages as messages_db
from manila_repl import exception
from manila_repl import message_fields
from manila_repl.message_fields import (  # noqa: F401
    Action, Detail, no_valid_host_detail, Resource)

LOG = logging.getLogger(__name__)


def current_request_id():
    """The request id of the RPC this thread is serving, or None (a
    periodic task: the loop, the sweep)."""
    ctx = oslo_context.get_current()
    return getattr(ctx, 'request_id', None)


def record(resource_type, resource_id, action, detail, project_id=None,
           request_id=None, level=message_fields.ERROR):
    """Write one message about ``resource_id``; never raises.

    :param action: a message_fields.Action field.
    :param detail: a message_fields.Detail field.
    :param project_id: the owner; by default the resource's project.
    :param request_id: by default the current RPC's (None outside one).
    :returns: the message id, or None when none was written.
    """
    try:
        if project_id is None:
            project_id = messages_db.project_of(resource_type, resource_id)
            if project_id is None:
                LOG.info('No message about %s %s: it is gone',
                         resource_type, resource_id)
                return None
        now = timeutils.utcnow()
        message_id = messages_db.create({
            'project_id': project_id,
            'request_id': request_id or current_request_id(),
            'resource_type': resource_type, 'resource_id': resource_id,
            'action_id': action.id, 'detail_id': detail.id,
            'message_level': level, 'created_at': now,
            'expires_at': now + datetime.timedelta(
                seconds=CONF.message.message_ttl)})
    except Exception:
        LOG.exception('User message about %s %s (%s: %s) not recorded',
                      resource_type, resource_id, action.text, detail.id)
        return None
    LOG.info('User message %s for project %s: %s %s: %s', message_id,
             project_id, resource_type, resource_id,
             message_fields.user_message(action.id, detail.id))
    return message_id


def share(share_id, action, detail, **kwargs):
    """A message about a share."""
    return record(Resource.SHARE, share_id, action, detail, **kwargs)


def replica(replica_id, action, detail, **kwargs):
    """A message about a share replica (a share instance)."""
    return record(Resource.SHARE_REPLICA, replica_id, action, detail,
                  **kwargs)


def snapshot(snapshot_id, action, detail, **kwargs):
    """A message about a snapshot."""
    return record(Resource.SHARE_SNAPSHOT, snapshot_id, action, detail,
                  **kwargs)


def instance(instance_id, action, detail, is_replica=False, **kwargs):
    """A message about a share instance: the replica itself when it is
    one a tenant added (``is_replica``), else its share (tenants see
    shares, not their instances)."""
    if is_replica:
        return replica(instance_id, action, detail, **kwargs)
    try:
        share_id = messages_db.share_of_instance(instance_id)
    except Exception:
        LOG.exception('User message about instance %s not recorded',
                      instance_id)
        return None
    if share_id is None:
        return None
    return share(share_id, action, detail, **kwargs)


# -- what the API asks ------------------------------------------------------

def _owner(ctx):
    """Administrators see every project's messages (as Manila)."""
    return None if ctx.is_admin else ctx.project_id


def get(ctx, message_id):
    """A message the caller may see; 404 otherwise (also once expired)."""
    message = messages_db.get(message_id, _owner(ctx), timeutils.utcnow())
    if message is None:
        raise exception.MessageNotFound(message_id=message_id)
    return message


def delete(ctx, message_id):
    if not messages_db.delete(message_id, _owner(ctx), timeutils.utcnow()):
        raise exception.MessageNotFound(message_id=message_id)


def list_messages(request):
    """The unexpired messages a db.listing.Listing asks for."""
    return listing.messages(request, timeutils.utcnow())


def purge_expired():
    """Delete the expired messages (the scheduler, periodically)."""
    count = messages_db.purge_expired(timeutils.utcnow())
    if count:
        LOG.info('Purged %d expired user message(s)', count)
    return count
