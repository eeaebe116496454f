"""Where a snapshot's data is, for a share created from it.

The data a new share is made from is the snapshot's instance on the
source share's ACTIVE replica: the API checks it is available, the
scheduler places the new share on that instance's backend, and the new
share's manager hands that instance to its driver. Shares record the
snapshot they came from in ``shares.snapshot_id``.
"""
import dataclasses

import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models

Share = models.Share
Instance = models.ShareInstance
SnapshotInstance = models.ShareSnapshotInstance


@dataclasses.dataclass(frozen=True)
class Source:
    snapshot_id: str
    share_id: str
    #: The snapshot instance and the replica (share instance) it is on.
    snapshot_instance_id: str
    snapshot_instance_status: str
    instance_id: str
    host: str | None
    availability_zone: str | None

    @property
    def backend(self):
        """``host@backend`` of the replica holding the data."""
        return (self.host or '').partition('#')[0]


def on_active(s, snapshot_id):
    """The Source of ``snapshot_id`` on its share's active replica (the
    only instance of an unreplicated share), or None."""
    row = s.execute(
        sa.select(SnapshotInstance.snapshot_id, Instance.share_id,
                  SnapshotInstance.id, SnapshotInstance.status, Instance.id,
                  Instance.host, Instance.availability_zone)
        .join(Instance, Instance.id == SnapshotInstance.share_instance_id)
        .where(SnapshotInstance.snapshot_id == snapshot_id,
               sa.or_(Instance.replica_state == c.REPLICA_STATE_ACTIVE,
                      Instance.replica_state.is_(None)))
        .order_by(SnapshotInstance.created_at)).first()
    return Source(*row) if row is not None else None


def of_share(s, share_id):
    """The snapshot a share is made from (``shares.snapshot_id``), or
    None."""
    return s.scalar(sa.select(Share.snapshot_id).where(Share.id == share_id))


def shares_being_made(s, snapshot_id):
    """Ids of the shares being created from ``snapshot_id`` now."""
    return s.scalars(
        sa.select(Share.id).join(Instance, Instance.share_id == Share.id)
        .where(Share.snapshot_id == snapshot_id,
               Instance.status == c.STATUS_CREATING)
        .distinct()).all()


def lock_share(s, share_id):
    """Lock a share's row (SELECT ... FOR UPDATE): a snapshot delete
    (which takes the same row) and a create from that snapshot happen one
    after the other."""
    s.execute(sa.select(Share.id).where(Share.id == share_id)
              .with_for_update())
