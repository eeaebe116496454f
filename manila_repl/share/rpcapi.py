"""Client side of the share manager RPC API. Casts carry ids, not objects.

API version history:

    1.0 - Initial version: create_share_instance, delete_share_instance,
          add_replica, delete_replica, promote_replica, update_replica,
          publish_service_capabilities (fanout).
"""
import oslo_messaging as messaging

from manila_repl import rpc


def _backend(host):
    """``host@backend`` of ``host@backend#pool``: the manager's RPC server."""
    return host.partition('#')[0]


class ShareAPI:
    RPC_API_VERSION = '1.0'

    def __init__(self, retry=None):
        """:param retry: connection retries of a cast (None: forever, as
            daemons want; the API passes a bound so a request never hangs
            on a dead broker)."""
        self.retry = retry
        target = messaging.Target(topic=rpc.SHARE_TOPIC,
                                  version=self.RPC_API_VERSION)
        self.client = rpc.get_client(target, version_cap='1.0')

    def _cast(self, context, host, method, **kwargs):
        cctxt = self.client.prepare(server=_backend(host), version='1.0',
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
