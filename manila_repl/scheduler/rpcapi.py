"""Client side of the scheduler RPC API.

API version history:

    1.0 - Initial version: create_share_instance, create_replica,
          update_service_capabilities (fanout), get_pools (call).
"""
import oslo_messaging as messaging

from manila_repl import rpc


class SchedulerAPI:
    RPC_API_VERSION = '1.0'

    def __init__(self, retry=None):
        """:param retry: connection retries of a cast (None: forever, as
            daemons want; the API passes a bound so a request never hangs
            on a dead broker)."""
        self.retry = retry
        target = messaging.Target(topic=rpc.SCHEDULER_TOPIC,
                                  version=self.RPC_API_VERSION)
        self.client = rpc.get_client(target, version_cap='1.0')

    def create_share_instance(self, context, instance_id):
        """Place a new share's first instance, then cast it to a manager."""
        self.client.prepare(version='1.0', retry=self.retry).cast(
            context, 'create_share_instance', instance_id=instance_id)

    def create_replica(self, context, replica_id, only_host=None):
        """Place a new replica, then cast add_replica to the manager of the
        share's active replica."""
        self.client.prepare(version='1.0', retry=self.retry).cast(
            context, 'create_replica', replica_id=replica_id,
            only_host=only_host)

    def update_service_capabilities(self, context, host, capabilities):
        """Fanout: every scheduler learns ``host``'s pools. Not retried: the
        next periodic report supersedes a lost one."""
        self.client.prepare(fanout=True, version='1.0', retry=1).cast(
            context, 'update_service_capabilities', host=host,
            capabilities=capabilities)

    def get_pools(self, context, filters=None):
        return self.client.prepare(version='1.0', timeout=30).call(
            context, 'get_pools', filters=filters or {})
