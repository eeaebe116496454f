"""User messages in SQL: written by the scheduler and the share managers,
read and deleted by the API, purged by the scheduler once expired.

Lists go through db/listing.py (``listing.messages``) like every other
list; an expired message is never shown, even before the purge removes it.
"""
import sqlalchemy as sa

from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl import message_fields

Message = models.Message
Share = models.Share
Instance = models.ShareInstance
Snapshot = models.ShareSnapshot

#: resource type -> the query of the project owning a resource of it.
_OWNER = {
    message_fields.Resource.SHARE: lambda resource_id: sa.select(
        Share.project_id).where(Share.id == resource_id),
    message_fields.Resource.SHARE_REPLICA: lambda resource_id: sa.select(
        Share.project_id).join(Instance, Instance.share_id == Share.id)
    .where(Instance.id == resource_id),
    message_fields.Resource.SHARE_SNAPSHOT: lambda resource_id: sa.select(
        Snapshot.project_id).where(Snapshot.id == resource_id),
}


def project_of(resource_type, resource_id):
    """The project owning the resource, or None once it is gone."""
    with session.reader() as r:
        return r.scalar(_OWNER[resource_type](resource_id))


def share_of_instance(instance_id):
    """The share of a share instance, or None once it is gone."""
    with session.reader() as r:
        return r.scalar(sa.select(Instance.share_id).where(
            Instance.id == instance_id))


def create(values):
    """Add one message (retried while the database connection fails).

    :returns: its id.
    """
    def add(s):
        message = Message(**values)
        s.add(message)
        s.flush()
        return message.id
    return retry.transaction(add)


def visible(query, project_id, now):
    """Only unexpired messages, of ``project_id`` unless it is None."""
    query = query.where(Message.expires_at > now)
    if project_id is not None:
        query = query.where(Message.project_id == project_id)
    return query


def get(message_id, project_id, now):
    """The message, or None (absent, expired, or another project's)."""
    with session.reader() as r:
        return r.scalars(visible(sa.select(Message).where(
            Message.id == message_id), project_id, now)).first()


def delete(message_id, project_id, now):
    """Delete the message; False when there was none to delete."""
    with session.transaction() as s:
        result = s.execute(visible(sa.delete(Message).where(
            Message.id == message_id), project_id, now))
        return result.rowcount == 1


def purge_expired(now):
    """Delete every message expired at ``now``; returns how many."""
    with session.transaction() as s:
        return s.execute(sa.delete(Message).where(
            Message.expires_at <= now)).rowcount
