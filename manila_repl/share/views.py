"""Plain read-only views of share instances, handed to drivers.

Drivers never see ORM objects: what they get cannot reach the database and
cannot be changed by them; what they return is a plain dict.
"""
import dataclasses
import datetime


@dataclasses.dataclass(frozen=True)
class ShareInstanceView:
    id: str
    share_id: str
    host: str | None
    availability_zone: str | None
    status: str
    replica_state: str | None
    size: int
    share_proto: str
    replication_type: str | None
    last_sync_at: datetime.datetime | None = None
    export_locations: tuple[str, ...] = ()
    #: Every other instance of the same share (views too, without siblings).
    replicas: tuple['ShareInstanceView', ...] = ()

    @property
    def backend(self):
        """``host@backend`` part of ``host@backend#pool``."""
        return (self.host or '').partition('#')[0]

    @property
    def backend_name(self):
        return self.backend.partition('@')[2]

    @property
    def pool(self):
        return (self.host or '').partition('#')[2]

    @property
    def active_replica(self):
        """The share's active instance among the siblings (or self)."""
        for view in (self,) + self.replicas:
            if view.replica_state == 'active':
                return view
        return None


def from_rows(rows):
    """Views for instance rows of one share, each with its siblings.

    ``rows`` are mappings or objects with the ShareInstanceView field
    names (``size``, ``share_proto`` and ``replication_type`` from the
    share). The status loop builds these for every replica it visits:
    plain positional construction, no per-field lookups through lambdas.
    """
    bare = [_bare(r) for r in rows]
    if len(bare) < 2:
        return bare
    return [_with_replicas(v, tuple(o for o in bare if o is not v))
            for v in bare]


def _with_replicas(view, replicas):
    return ShareInstanceView(
        view.id, view.share_id, view.host, view.availability_zone,
        view.status, view.replica_state, view.size, view.share_proto,
        view.replication_type, view.last_sync_at, view.export_locations,
        replicas)


def _bare(row):
    get = row.get if hasattr(row, 'get') else (
        lambda k, d=None: getattr(row, k, d))
    return ShareInstanceView(
        get('id'), get('share_id'), get('host'), get('availability_zone'),
        get('status'), get('replica_state'), get('size'),
        get('share_proto'), get('replication_type'), get('last_sync_at'),
        tuple(get('export_locations') or ()))


def for_share(share):
    """Views of every instance of an ORM share (with export paths)."""
    return from_rows([{
        'id': i.id, 'share_id': share.id, 'host': i.host,
        'availability_zone': i.availability_zone, 'status': i.status,
        'replica_state': i.replica_state, 'size': share.size,
        'share_proto': share.share_proto,
        'replication_type': share.replication_type,
        'last_sync_at': i.last_sync_at,
        'export_locations': [e.path for e in i.export_locations],
    } for i in share.instances])
