"""The share driver contract.

Replication lives in the share drivers (the Manila replication design): a
driver talks to every storage controller a task needs, also the one of a
backend in another availability zone, whose config section it may read
with ``manila_repl.conf.backend_config(conf, name)``.

Every method receives :class:`manila_repl.share.views.ShareInstanceView`
objects (plain, frozen, with the share's other instances in ``replicas``)
and returns plain dicts. Export locations are returned as a list of dicts
``{"path": str, "is_admin_only": bool, "preferred": bool}``.

Replica states a driver may return: ``active``, ``in_sync``,
``out_of_sync``, ``error``. A replica is ``in_sync`` when its last
successful transfer finished within the recovery point objective and it
holds every available snapshot: a time rule, never a byte count.
"""
import abc

ACTIVE = 'active'
IN_SYNC = 'in_sync'
OUT_OF_SYNC = 'out_of_sync'
ERROR = 'error'
REPLICA_STATES = (ACTIVE, IN_SYNC, OUT_OF_SYNC, ERROR)


class ShareDriver(abc.ABC):
    """Base of every driver, loaded by entry-point name.

    :param configuration: this backend's config section
        (``conf[backend_name]``).
    :param conf: the whole ConfigOpts, to read other backends' sections.
    :param backend_name: the config section name, also the ``backend`` in
        ``host@backend#pool``.
    """

    def __init__(self, configuration, conf, backend_name):
        self.configuration = configuration
        self.conf = conf
        self.backend_name = backend_name

    def do_setup(self):
        """Prepare the backend when its share manager starts.

        :raises: ShareBackendUnreachable or ShareDriverError if the backend
            cannot serve; the manager then reports the backend down.
        """

    def lost_exports(self):
        """Instance ids of this backend whose writable exports ``do_setup``
        found gone (its host rebooted) and did not restore: the manager
        has the access rules of those that are still the active applied
        again (only it knows which are). Each id is returned once."""
        return []

    def down_backends(self):
        """{backend name: reason} of the backends (this one or others')
        whose storage this driver found unreachable lately; the manager
        probes them every ``[share]/unreachable_probe_interval`` s."""
        return {}

    def probe_backend(self, backend_name):
        """Ask a backend's storage again, now (bounded by the driver's
        timeouts); True when it answers, and it is no longer reported in
        ``down_backends``."""
        return True

    @abc.abstractmethod
    def get_stats(self):
        """Capabilities and capacity, reported to the scheduler.

        Called at manager start and every ``stats_report_interval`` s.

        :returns: ``{"share_backend_name", "driver_handles_share_servers",
            "replication_type", "replication_domain", "pools": [{"pool_name",
            "total_capacity_gb", "free_capacity_gb", ...capabilities}]}``.
        """

    @abc.abstractmethod
    def create_share(self, share_instance):
        """Create the storage of a new share's first instance.

        Called on the backend chosen by the scheduler, for the instance
        that becomes the share's active replica.

        :returns: ``{"export_locations": [...]}``.
        :raises: ShareDriverError on failure; the instance goes to error.
        """

    @abc.abstractmethod
    def delete_share(self, share_instance):
        """Delete an instance's storage. Storage already gone is success.

        :raises: ShareDriverError when it cannot clean up.
        """


class ReplicationMixin(abc.ABC):
    """The four replication entry points of the design.

    ``add_replica``, ``remove_replica`` and ``update_replica_status`` run on
    the backend of the share's **active** replica; ``set_active_replica``
    runs on the backend of the **new** active replica.
    """

    @abc.abstractmethod
    def add_replica(self, active_share_instance, new_share_instance):
        """Create a replica of the active instance on another backend.

        Called on the active replica's backend after the scheduler placed
        ``new_share_instance`` (its ``host`` names a pool of another backend
        in another AZ; status ``creating``, replica_state ``out_of_sync``).

        Example: ``add_replica(<view id=a1 host=n@az1#p replica_state=active>,
        <view id=r2 host=n@az2#p>)``.

        :returns: ``{"export_locations": [...], "replica_state": "in_sync" or
            "out_of_sync", "last_sync_at": datetime or None}``.
        :raises: ShareDriverError or ShareBackendUnreachable; the new
            instance goes to status ``error``.
        """

    @abc.abstractmethod
    def remove_replica(self, share_instance):
        """Remove a non-active replica: storage and relationships.

        Called on the active replica's backend. A replica already gone
        counts as removed.

        :raises: ShareDriverError if it cannot clean up; the instance goes
            to ``error_deleting`` and stays in the database.
        """

    @abc.abstractmethod
    def set_active_replica(self, share_instance, access_rules=None):
        """Make ``share_instance`` the active, writable replica.

        Called on the backend of the NEW active replica. Must succeed even
        when the old active's backend is broken or unreachable.

        ``access_rules`` (as Manila's promote_replica gets them): the
        share's rules at their own levels (``[{"id", "access_type",
        "access_to", "access_level"}]``), which the new active must allow
        when this returns; the old active, when it answers, must have
        stopped taking writes before the new one starts (read-only for a
        ``readable`` share, not exported for ``dr``). The access flow
        re-applies every instance's rules afterwards.

        :returns: a list with one dict per instance of the share,
            ``{"id", "replica_state", "export_locations" (optional),
            "message" (optional)}``: ``active`` for the new one; for the
            old active ``out_of_sync`` if it could be demoted cleanly,
            ``error`` if unreachable or its final sync failed. An
            instance in ``error`` gets ``message`` as its status message
            (at once, in the promote's transaction); without one, the
            manager says it could not be reached.
        :raises: ShareDriverError if the new replica itself cannot be made
            active; every instance then keeps its previous state.
        """

    def abandon_promote(self, active_share_instance, new_share_instance):
        """Undo what an unfinished promote did to the still active replica.

        Called on the backend of the share's active replica when the
        promote of ``new_share_instance`` is given up because its own
        manager (the new active's) is down (share/dead_owners.py): its
        ``set_active_replica`` may have stopped anywhere, e.g. after
        freezing (read-only) or demoting ``active_share_instance`` on its
        storage. Make that the writable active again, with the data it
        last held. ``new_share_instance`` is left as it is (maybe
        writable): ``update_replica_status`` re-seeds it from the active,
        as it does a returning old active. Idempotent; the default does
        nothing (a driver whose promote never changes the old active).

        :raises: anything; the promote is given up all the same and the
            active replica's status message says it may be read-only.
        """

    @abc.abstractmethod
    def update_replica_status(self, share_instance):
        """Sync or check one non-active replica; repair it if broken.

        Called on the active replica's backend every
        ``replica_status_interval`` seconds for each non-active replica in
        status ``available``, and at once on a resync request. A returning
        old active is re-seeded here as a replica.

        :returns: ``{"replica_state": ..., "last_sync_at": datetime or
            None}`` or None for no change.
        :raises: anything; the manager marks the replica ``error`` and goes
            on with the others.
        """


class ResizeMixin:
    """Extend and shrink: the design resizes EVERY replica.

    Called on the backend of the share's active replica, once per instance
    of the share (the active first), so a driver reaches every replica's
    storage as for replication. Not abstract: a driver without them makes
    the resize fail visibly ("not supported").
    """

    def extend_share(self, share_instance, new_size):
        """Grow ``share_instance`` (any replica) to ``new_size`` GiB.

        :raises: ShareDriverError; the share goes to ``extending_error``.
        """
        raise NotImplementedError('extend_share')

    def shrink_share(self, share_instance, new_size):
        """Shrink ``share_instance`` to ``new_size`` GiB.

        :raises: ShareShrinkingPossibleDataLoss when the data does not fit
            (nothing was changed; the share goes back to available with a
            message), ShareDriverError otherwise (``shrinking_error``).
        """
        raise NotImplementedError('shrink_share')


class SnapshotMixin:
    """Snapshots: one snapshot instance per replica (the design).

    Called on the backend of the share's active replica, once per replica
    in ``active`` or ``in_sync`` state (others get theirs at their next
    successful sync, see update_replica_status). ``snapshot_instance`` is a
    dict: ``{"id", "snapshot_id", "share_instance": ShareInstanceView,
    "size"}``.
    """

    def create_snapshot(self, snapshot_instance):
        """Take the snapshot on the replica's storage.

        :returns: ``{"provider_location": str}`` or None.
        :raises: ShareDriverError; that snapshot instance goes to error.
        """
        raise NotImplementedError('create_snapshot')

    def delete_snapshot(self, snapshot_instance):
        """Delete it; already gone is success.

        :raises: ShareDriverError; the instance goes to error_deleting.
        """
        raise NotImplementedError('delete_snapshot')

    def create_share_from_snapshot(self, share_instance, snapshot_instance):
        """Create a new share's first instance with a snapshot's data.

        Called on the backend the scheduler chose for the new share (the
        backend of the snapshot's instance on the source share's active
        replica; a driver may also read another backend's storage). With a
        replicated share type the new share starts a new replication
        chain: its replicas are added later, as for any share.
        Reported to the scheduler as the pool capability
        ``create_share_from_snapshot_support``.

        Example: ``create_share_from_snapshot(<view id=n1 host=n@az1#p
        size=2>, {"id": "si1", "snapshot_id": "s1", "share_instance":
        <view id=a1 host=n@az1#p>, "size": 1})``.

        :returns: ``{"export_locations": [...]}``.
        :raises: ShareDriverError (the snapshot instance has no data, ...);
            the new instance goes to ``error``.
        """
        raise NotImplementedError('create_share_from_snapshot')


ACCESS_TYPES = ('ip', 'user', 'cert', 'cephx')


class AccessMixin:
    """Access rules, applied on every instance of a share.

    Called on the backend of the share's active replica, once per
    instance, with the full list of rules that instance must allow
    (``[{"id", "access_type", "access_to", "access_level"}]``): for a
    non-active replica of a ``readable`` share every level is ``ro``;
    ``dr`` replicas get an empty list (they are not exported).
    """

    @classmethod
    def access_types(cls, configuration):
        """The access types a backend with this config section enforces;
        the API answers 400 to the others (as Manila's drivers that lack
        them refuse them)."""
        return ACCESS_TYPES

    def update_access(self, share_instance, access_rules):
        """Make the instance's exports allow exactly ``access_rules``.

        :returns: ``{rule_id: "active" | "error"}`` for rules that did not
            simply become active, or None when all did.
        :raises: ShareDriverError; every rule of that instance -> error.
        """
        raise NotImplementedError('update_access')
