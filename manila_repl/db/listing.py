"""Listing shares, replicas and snapshots: Manila's list filters, sort keys
and paging, in SQL.

Every filter and the sort apply before LIMIT/OFFSET, so a filtered page is
a full page, and ``with_count`` counts what the filters match. One
``Listing`` (api/listing.py builds it from the query string, keeping only
the filters Manila knows for the resource and microversion) describes a
request; ``shares``, ``replicas`` and ``snapshots`` run it. A filter on
something this service never has (share networks, share groups, soft
deleted shares) matches nothing, as it would in Manila.
"""
import dataclasses

import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import messages as messages_db
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import exception

Share = models.Share
Instance = models.ShareInstance
ExportLocation = models.ShareExportLocation
ExtraSpec = models.ShareTypeExtraSpec
Snapshot = models.ShareSnapshot
SnapshotInstance = models.ShareSnapshotInstance

SORT_DIRS = ('asc', 'desc')


@dataclasses.dataclass
class Listing:
    """What one list request asks for (filters by Manila's names)."""
    filters: dict = dataclasses.field(default_factory=dict)
    sort_key: str | None = None
    sort_dir: str | None = None
    limit: int | None = None
    offset: int | None = None
    #: Whose resources: one project's, or every project's (None).
    project_id: str | None = None
    #: Also other projects' public shares (``is_public=true``).
    with_public: bool = False
    with_count: bool = False


@dataclasses.dataclass(frozen=True)
class _Resource:
    """How one resource is filtered and sorted."""
    filters: dict           # filter name -> fn(value) -> WHERE clause
    sort_keys: dict         # sort key -> column (None: all rows equal)
    project_column: object
    created_at: object
    id_column: object


def _nothing(_value):
    """A filter on what no resource here has (share networks, ...)."""
    return sa.false()


def _like(column):
    """``name~``: a case-insensitive substring, wildcards taken as text."""
    return lambda value: column.icontains(value, autoescape=True)


def _equal(column):
    return lambda value: column == value


def _names(name, description):
    """Manila's name and description filters of one resource."""
    return {'name': _equal(name), 'name~': _like(name),
            'description': _equal(description),
            'description~': _like(description)}


def _metadata(column):
    """``metadata={'k': 'v'}``: every pair present (JSON in SQL)."""
    def clause(pairs):
        return sa.and_(sa.true(), *(column[key].as_string() == str(value)
                                    for key, value in pairs.items()))
    return clause


# -- shares ---------------------------------------------------------------

def _primary():
    """A share's status, host and AZ are those of its active instance (its
    only one when it is not replicated)."""
    return sa.and_(Instance.share_id == Share.id,
                   sa.or_(Instance.replica_state == c.REPLICA_STATE_ACTIVE,
                          Instance.replica_state.is_(None)))


def _primary_has(clause):
    return sa.exists().where(_primary(), clause)


def _primary_column(column):
    """The primary instance's ``column``, for ORDER BY."""
    return (sa.select(column).where(_primary()).order_by(Instance.created_at)
            .limit(1).correlate(Share).scalar_subquery())


def _host(value):
    """``host``: a pool (host@backend#pool), a backend or a host."""
    return _primary_has(sa.or_(Instance.host == value,
                               Instance.host.startswith(value + '#',
                                                        autoescape=True),
                               Instance.host.startswith(value + '@',
                                                        autoescape=True)))


def _export_location(column):
    return lambda value: sa.exists().where(
        Instance.share_id == Share.id,
        ExportLocation.share_instance_id == Instance.id, column == value)


def _extra_specs(pairs):
    return sa.and_(sa.true(), *(sa.exists().where(
        ExtraSpec.share_type_id == Share.share_type_id,
        ExtraSpec.spec_key == key, ExtraSpec.spec_value == str(value))
        for key, value in pairs.items()))


_SHARES = _Resource(
    filters={
        **_names(Share.display_name, Share.display_description),
        'status': lambda value: _primary_has(Instance.status == value),
        'share_type_id': _equal(Share.share_type_id),
        'snapshot_id': _equal(Share.snapshot_id),
        'host': _host,
        'export_location_id': _export_location(ExportLocation.uuid),
        'export_location_path': _export_location(ExportLocation.path),
        'metadata': _metadata(Share.metadata_),
        'extra_specs': _extra_specs,
        # Nothing is ever soft-deleted here.
        'is_soft_deleted': lambda value: sa.false() if value else sa.true(),
        'share_network_id': _nothing,
        'share_server_id': _nothing,
        'share_group_id': _nothing,
        'share_group_snapshot_id': _nothing,
    },
    sort_keys={
        'id': Share.id, 'created_at': Share.created_at,
        'updated_at': Share.updated_at, 'size': Share.size,
        'share_proto': Share.share_proto, 'project_id': Share.project_id,
        'user_id': Share.user_id, 'name': Share.display_name,
        'display_name': Share.display_name,
        'description': Share.display_description,
        'display_description': Share.display_description,
        'share_type_id': Share.share_type_id,
        'share_type': Share.share_type_id,
        'volume_type_id': Share.share_type_id,
        'snapshot_id': Share.snapshot_id, 'snapshot': Share.snapshot_id,
        'is_public': Share.is_public, 'task_state': Share.task_state,
        'replication_type': Share.replication_type,
        'status': _primary_column(Instance.status),
        'host': _primary_column(Instance.host),
        'availability_zone': _primary_column(Instance.availability_zone),
        'export_location': None, 'share_network_id': None,
        'share_network': None, 'share_server_id': None,
    },
    project_column=Share.project_id, created_at=Share.created_at,
    id_column=Share.id)


# -- snapshots --------------------------------------------------------------

#: Worst first: a snapshot's status is the worst over its instances on
#: active and in_sync replicas (all of them when it has none there);
#: share/snapshot_api.aggregate computes the same from the rows.
SNAPSHOT_SEVERITY = (c.STATUS_ERROR_DELETING, c.STATUS_ERROR,
                     c.STATUS_DELETING, c.STATUS_CREATING,
                     c.STATUS_AVAILABLE)
SNAPSHOT_COUNTED = (c.REPLICA_STATE_ACTIVE, c.REPLICA_STATE_IN_SYNC, None)


def _snapshot_severity():
    """The index in SNAPSHOT_SEVERITY of each snapshot's status, in SQL."""
    severity = sa.case(
        {status: n for n, status in enumerate(SNAPSHOT_SEVERITY)},
        value=SnapshotInstance.status, else_=0)
    counted = sa.or_(Instance.replica_state.in_(
        [s for s in SNAPSHOT_COUNTED if s]), Instance.replica_state.is_(None))
    worst = (sa.select(sa.func.coalesce(
                sa.func.min(sa.case((counted, severity), else_=None)),
                sa.func.min(severity)))
             .select_from(SnapshotInstance)
             .join(Instance, Instance.id == SnapshotInstance.share_instance_id)
             .where(SnapshotInstance.snapshot_id == Snapshot.id)
             .correlate(Snapshot).scalar_subquery())
    # No instance at all reads error.
    return sa.func.coalesce(worst, SNAPSHOT_SEVERITY.index(c.STATUS_ERROR))


def _snapshot_status(value):
    if value not in SNAPSHOT_SEVERITY:
        return sa.false()
    return _snapshot_severity() == SNAPSHOT_SEVERITY.index(value)


_SNAPSHOTS = _Resource(
    filters={
        **_names(Snapshot.display_name, Snapshot.display_description),
        'status': _snapshot_status,
        'share_id': _equal(Snapshot.share_id),
        'size': _equal(Snapshot.size),
        # Snapshots carry no metadata here: only an empty filter matches.
        'metadata': lambda pairs: sa.false() if pairs else sa.true(),
    },
    sort_keys={
        'id': Snapshot.id, 'created_at': Snapshot.created_at,
        'updated_at': Snapshot.updated_at, 'size': Snapshot.size,
        'share_id': Snapshot.share_id, 'user_id': Snapshot.user_id,
        'project_id': Snapshot.project_id,
        'share_proto': Snapshot.share_proto,
        'name': Snapshot.display_name, 'display_name': Snapshot.display_name,
        'description': Snapshot.display_description,
        'display_description': Snapshot.display_description,
        # Worst first ascending, as the status and progress it shows.
        'status': _snapshot_severity(), 'progress': _snapshot_severity(),
    },
    project_column=Snapshot.project_id, created_at=Snapshot.created_at,
    id_column=Snapshot.id)


# -- replicas ---------------------------------------------------------------

#: The columns a replica is shown with (one query, no ORM loads).
REPLICA_COLUMNS = (
    Instance.id, Instance.share_id, Instance.status, Instance.replica_state,
    Instance.host, Instance.availability_zone,
    Instance.cast_rules_to_readonly, Instance.created_at,
    Instance.updated_at, Instance.last_sync_at, Instance.status_message)

#: Manila filters replicas by share only, oldest first, and sorts them no
#: other way.
_REPLICAS = _Resource(
    filters={'share_id': _equal(Instance.share_id)},
    sort_keys={}, project_column=Share.project_id,
    created_at=Instance.created_at, id_column=Instance.id)


def replica_query():
    """Replica rows: instances of replicated shares."""
    return (sa.select(*REPLICA_COLUMNS)
            .join(Share, Share.id == Instance.share_id)
            .where(Share.replication_type.is_not(None)))


# -- running a listing ------------------------------------------------------

def _order(resource, listing, default_dir):
    """ORDER BY for the listing: 400 for a sort key or direction Manila
    would refuse. Ties (and keys that order nothing here) go by id."""
    direction = (listing.sort_dir or default_dir).lower()
    if direction not in SORT_DIRS:
        raise exception.InvalidInput(
            reason='sort_dir must be one of %s, not %r' % (
                ', '.join(SORT_DIRS), listing.sort_dir))
    key = listing.sort_key or 'created_at'
    if key == 'created_at':
        column = resource.created_at
    elif key in resource.sort_keys:
        column = resource.sort_keys[key]
    else:
        raise exception.InvalidInput(
            reason='sort_key must be one of %s, not %r' % (
                ', '.join(sorted(resource.sort_keys)), key))
    order = [] if column is None else [
        column.asc() if direction == 'asc' else column.desc()]
    return order + [resource.id_column.asc()]


def _select(query, resource, listing, default_dir='desc'):
    """(page query, count query or None) for ``listing``."""
    if listing.project_id is not None:
        mine = resource.project_column == listing.project_id
        query = query.where(sa.or_(mine, Share.is_public.is_(True))
                            if listing.with_public else mine)
    for name, value in listing.filters.items():
        query = query.where(resource.filters[name](value))
    count = None
    if listing.with_count:
        count = sa.select(sa.func.count()).select_from(
            query.order_by(None).subquery())
    query = query.order_by(*_order(resource, listing, default_dir))
    if listing.offset:
        query = query.offset(listing.offset)
    if listing.limit:
        query = query.limit(listing.limit)
    return query, count


def _count(r, count):
    return r.scalar(count) if count is not None else None


def shares(listing):
    """(shares with their instances and type, count or None), newest
    first unless sorted otherwise."""
    query, count = _select(sa.select(Share), _SHARES, listing)
    with session.reader() as r:
        return r.scalars(query).all(), _count(r, count)


def snapshots(listing, r):
    """(snapshot rows, count or None) in reader ``r``."""
    query, count = _select(sa.select(Snapshot), _SNAPSHOTS, listing)
    return r.scalars(query).all(), _count(r, count)


def replicas(listing):
    """Replica rows (REPLICA_COLUMNS), oldest first."""
    listing = dataclasses.replace(listing, sort_key=None, sort_dir=None)
    query, _none = _select(replica_query(), _REPLICAS, listing,
                           default_dir='asc')
    with session.reader() as r:
        return r.execute(query).mappings().all()


def filter_names(resource):
    """The filters ``shares``, ``snapshots``, ``replicas`` or
    ``messages`` apply."""
    return set({'shares': _SHARES, 'snapshots': _SNAPSHOTS,
                'replicas': _REPLICAS,
                'messages': _MESSAGES}[resource].filters)



# -- user messages ------------------------------------------------------------

Message = models.Message


def _upper(column):
    """Types and levels are stored upper case; ``share`` matches SHARE."""
    return lambda value: column == value.upper()


_MESSAGES = _Resource(
    filters={
        'resource_type': _upper(Message.resource_type),
        'resource_id': _equal(Message.resource_id),
        'action_id': _equal(Message.action_id),
        'detail_id': _equal(Message.detail_id),
        'message_level': _upper(Message.message_level),
        'request_id': _equal(Message.request_id),
        'project_id': _equal(Message.project_id),
        'created_since': lambda value: Message.created_at >= value,
        'created_before': lambda value: Message.created_at <= value,
    },
    sort_keys={
        'id': Message.id, 'project_id': Message.project_id,
        'request_id': Message.request_id,
        'resource_type': Message.resource_type,
        'resource_id': Message.resource_id, 'action_id': Message.action_id,
        'detail_id': Message.detail_id,
        'message_level': Message.message_level,
        'expires_at': Message.expires_at,
    },
    project_column=Message.project_id, created_at=Message.created_at,
    id_column=Message.id)


def messages(listing, now):
    """Unexpired message rows, newest first unless sorted otherwise."""
    query = messages_db.visible(sa.select(Message), None, now)
    query, _none = _select(query, _MESSAGES, listing)
    with session.reader() as r:
        return r.scalars(query).all()
