"""Client side of the share manager RPC API. Casts carry ids, not objects.

API version history:

    1.0 - Initial version: create_share_instance, delete_share_instance,
          add_replica, delete_replica, promote_replica, update_replica,
          publish_service_capabilities (fanout).
    1.1 - extend_share, shrink_share, create_snapshot, delete_snapshot,
          update_access: each to the manager of the ACTIVE replica, which
          acts on every replica.
"""
import oslo_messaging as messaging

from manila_repl import rpc


def _backend(host):
    """``host@backend`` of ``host@backend#pool``: the manager's RPC server."""
    return host.partition('#')[0]


class ShareAPI:
    RPC_API_VERSION = '1.1'

    def __init__(self, retry=None):
        """:param retry: connection retries of a cast (None: forever, as
            daemons want; the API passes a bound so a request never hangs
            on a dead broker)."""
        self.retry = retry
        target = messaging.Target(topic=rpc.SHARE_TOPIC,
                                  version=self.RPC_API_VERSION)
        self.client = rpc.get_client(target, version_cap='1.1')

    def _cast(self, context, host, method, version='1.0', **kwargs):
        cctxt = self.client.prepare(server=_backend(host), version=version,
                                     retry=self.retry)
        cctxt.cast(context, method, **kwargs)

    def create_share_instance(self, context, host, instance_id):
        """To the manager of the pool the scheduler chose."""
        self._cast(context, host, 'create_share_instance',
                   instance_id=instance_id)

    def delete_share_instance(self, context, host, instance_id, force=False):
        """To the manager of the instance's own backend."""
        self._cast(context, host, 'delete_share_instance',
                   instance_id=instance_id, force=force)

    def add_replica(self, context, active_host, replica_id):
        """To the manager of the ACTIVE replica's backend."""
        self._cast(context, active_host, 'add_replica',
                   replica_id=replica_id)

    def delete_replica(self, context, active_host, replica_id, force=False):
        """To the manager of the ACTIVE replica's backend."""
        self._cast(context, active_host, 'delete_replica',
                   replica_id=replica_id, force=force)

    def promote_replica(self, context, new_active_host, replica_id):
        """To the manager of the NEW active replica's backend."""
        self._cast(context, new_active_host, 'promote_replica',
                   replica_id=replica_id)

    def update_replica(self, context, active_host, replica_id):
        """Resync now: to the manager of the ACTIVE replica's backend."""
        self._cast(context, active_host, 'update_replica',
                   replica_id=replica_id)

    def publish_service_capabilities(self, context):
        """Fanout: every share manager reports its pools now (a scheduler
        that just started asks for this)."""
        self.client.prepare(fanout=True, version='1.0',
                            retry=self.retry).cast(
            context, 'publish_service_capabilities')

    def extend_share(self, context, active_host, share_id, new_size):
        """Resize every replica; to the ACTIVE replica's manager."""
        self._cast(context, active_host, 'extend_share', version='1.1',
                   share_id=share_id, new_size=new_size)

    def shrink_share(self, context, active_host, share_id, new_size):
        self._cast(context, active_host, 'shrink_share', version='1.1',
                   share_id=share_id, new_size=new_size)

    def create_snapshot(self, context, active_host, snapshot_id):
        """One snapshot instance per replica; to the ACTIVE's manager."""
        self._cast(context, active_host, 'create_snapshot', version='1.1',
                   snapshot_id=snapshot_id)

    def delete_snapshot(self, context, active_host, snapshot_id,
                        force=False):
        self._cast(context, active_host, 'delete_snapshot', version='1.1',
                   snapshot_id=snapshot_id, force=force)

    def update_access(self, context, active_host, share_id):
        """Apply the share's rules on every instance; to the ACTIVE's
        manager."""
        self._cast(context, active_host, 'update_access', version='1.1',
                   share_id=share_id)
