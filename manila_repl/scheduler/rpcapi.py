"""Client side of the scheduler RPC API.

API version history:

    1.0 - Initial version: create_share_instance, create_replica,
          update_service_capabilities (fanout), get_pools (call).
"""
import oslo_messaging as messaging
from oslo_log import log as logging

from manila_repl import rpc

LOG = logging.getLogger(__name__)


class SchedulerAPI:
    RPC_API_VERSION = '1.0'

    def __init__(self, retry=None, timeout=30):
        """:param retry: connection retries of each message (None: forever,
            as daemons want; the API passes a bound so a request never
            hangs on a dead broker).
        :param timeout: seconds a call waits for its answer."""
        self.retry = retry
        self.timeout = timeout
        self._reports_lost = 0
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
        """Fanout: every scheduler learns ``host``'s pools; returns whether
        the report left.

        Not retried, and a failure is no error: the next periodic report
        supersedes a lost one. While the bus is down this logs one warning
        when reports start failing and one line when they leave again.
        """
        try:
            self.client.prepare(fanout=True, version='1.0', retry=1).cast(
                context, 'update_service_capabilities', host=host,
                capabilities=capabilities)
        except rpc.BUS_ERRORS as e:
            if not self._reports_lost:
                LOG.warning('Pool reports of %s are not reaching the '
                            'schedulers: the message bus is unreachable '
                            '(%s). They resume when it is back.', host, e)
            self._reports_lost += 1
            return False
        if self._reports_lost:
            LOG.info('Pool reports of %s reach the schedulers again (%d '
                     'lost while the message bus was unreachable).', host,
                     self._reports_lost)
            self._reports_lost = 0
        return True

    def get_pools(self, context, filters=None):
        return self.client.prepare(version='1.0', retry=self.retry,
                                   timeout=self.timeout).call(
            context, 'get_pools', filters=filters or {})
