"""Share manager: the RPC endpoints of one backend, thin.

One manager per enabled backend, serving as ``<host>@<backend>``; the work
itself is in lifecycle.py, replication.py, replica_status.py, recovery.py
(at start), sweep.py (periodic: pending work no live manager is on),
dead_owners.py (periodic: pending work whose owner's service is down) and
returning.py (periodic, every few seconds: hosts that answer again).
"""
from oslo_log import log as logging
import oslo_messaging as messaging

from manila_repl.conf import backend_config
from manila_repl.conf import CONF
from manila_repl import context as ctx_mod
from manila_repl import coordination
from manila_repl import exception
from manila_repl import metrics
from manila_repl.scheduler import rpcapi as scheduler_rpcapi
from manila_repl import service
from manila_repl.share import access
from manila_repl.share import dead_owners
from manila_repl.share import drivers
from manila_repl.share import instance_db
from manila_repl.share import lifecycle
from manila_repl.share import recovery
from manila_repl.share import replica_metrics
from manila_repl.share import replica_status
from manila_repl.share import replication
from manila_repl.share import resize
from manila_repl.share import returning
from manila_repl.share import snapshots
from manila_repl.share import sweep

LOG = logging.getLogger(__name__)


def load_driver(backend_name, conf=CONF):
    """The backend's driver, by entry-point name (never a class path)."""
    section = backend_config(conf, backend_name)
    return drivers.driver_class(section.share_driver)(section, conf,
                                                      backend_name)


class ShareManager:
    target = messaging.Target(version='1.1')

    def __init__(self, backend_name, host=None):
        self.backend_name = backend_name
        self.host = '%s@%s' % (host or CONF.host, backend_name)
        self.configuration = backend_config(CONF, backend_name)
        self.availability_zone = (
            self.configuration.backend_availability_zone or
            CONF.storage_availability_zone)
        self.driver = metrics.instrument_driver(load_driver(backend_name),
                                                self.host)
        self.scheduler_rpcapi = scheduler_rpcapi.SchedulerAPI()
        self.driver_ready = False
        #: Why the backend is down (the services list shows it).
        self.down_reason = None
        #: Backends to probe besides those the driver found unreachable.
        self.watched_backends = set()
        # Kept by the service: dead_owners.py judges others down only
        # while our own heartbeats go through.
        self.heartbeats = service.Heartbeats()

    # -- service hooks -----------------------------------------------------
    @property
    def healthy(self):
        """A backend whose driver is not set up heartbeats no more: the
        services API shows it down, and it reports no pools."""
        return self.driver_ready

    def _setup_driver(self):
        try:
            self.driver.do_setup()
        except Exception as e:
            self._backend_down(e)
            return False
        self.driver_ready = True
        self.down_reason = None
        try:
            returning.restore_exports(self.driver, self.host)
        except Exception:
            LOG.exception('Exports of %s not restored', self.host)
        return True

    def _backend_down(self, error):
        reason = getattr(error, 'msg', None) or str(error)
        if self.driver_ready or reason != self.down_reason:
            LOG.error('Backend %s is down: %s', self.host, reason)
        self.driver_ready = False
        self.down_reason = reason

    def init_host(self):
        replica_metrics.refresh(self.host)
        if not self._setup_driver():
            return
        # Replicas a previous run saw in error are probed at once.
        self.watched_backends |= instance_db.replica_backends_in_error(
            self.host)
        recovery.recover(self.driver, self.host)
        try:
            self.publish_stats()
        except Exception as e:
            # No scheduler yet: the periodic report follows shortly.
            LOG.warning('First pool report of %s not sent: %s', self.host, e)

    def periodic_tasks(self):
        # The first report comes again soon after start: the one sent from
        # init_host() is lost if no scheduler was listening yet.
        return [(self.update_replicas_status,
                 CONF.share.replica_status_interval, None),
                (self.publish_stats, CONF.share.stats_report_interval,
                 min(2, CONF.share.stats_report_interval)),
                (self.sweep_pending_work,
                 CONF.share.pending_work_sweep_interval, None),
                (self.probe_unreachable,
                 CONF.share.unreachable_probe_interval, None)]

    def update_replicas_status(self):
        # The backend's replicas and lag, also while its driver is down.
        replica_metrics.refresh(self.host)
        if not self.driver_ready:
            return
        with metrics.status_cycle(self.host):
            updated, batches = replica_status.run_cycle(
                self.driver, self.host, CONF.share.replica_status_batch_size)
        LOG.debug('Replica status cycle of %s: %d replicas in %d batches',
                  self.host, updated, batches)

    def sweep_pending_work(self):
        if not self.driver_ready:
            return
        sweep.run(self.driver, self.host, CONF.share.pending_work_min_age)
        dead_owners.run(self.driver, self.host, self.heartbeats)

    def probe_unreachable(self):
        """Ask the hosts found unreachable again (returning.py); this
        backend's own one answering brings the backend up at once."""
        answered = returning.probe(self.driver, self.host,
                                   self.watched_backends)
        if self.backend_name in answered and not self.driver_ready:
            self.publish_stats()

    def publish_stats(self):
        if not self.driver_ready:
            # Try again: the operator may have fixed what was missing.
            if not self._setup_driver():
                return
            recovery.recover(self.driver, self.host)
        try:
            stats = self.driver.get_stats()
        except exception.ShareBackendUnreachable as e:
            # No heartbeat until it answers (probe_unreachable asks).
            self._backend_down(e)
            return
        stats = dict(stats, availability_zone=self.availability_zone)
        self.scheduler_rpcapi.update_service_capabilities(
            ctx_mod.get_admin_context(), self.host, stats)

    # -- RPC endpoints -----------------------------------------------------
    # Each runs under its share's distributed lock (coordination.py): the
    # storage of one share is driven by one manager at a time.
    def _on_share(self, share_id, flow, *args):
        if share_id is None:        # gone already: the flow finds nothing
            return flow(self.driver, *args)
        with coordination.share_lock(share_id):
            return flow(self.driver, *args)

    def _on_instance(self, instance_id, flow, *args):
        return self._on_share(instance_db.share_of(instance_id), flow,
                              instance_id, *args)

    def publish_service_capabilities(self, context):
        self.publish_stats()

    def create_share_instance(self, context, instance_id):
        self._on_instance(instance_id, lifecycle.create_share_instance)

    def delete_share_instance(self, context, instance_id, force=False):
        self._on_instance(instance_id, lifecycle.delete_share_instance,
                          force)

    def add_replica(self, context, replica_id):
        self._on_instance(replica_id, replication.add_replica)

    def delete_replica(self, context, replica_id, force=False):
        self._on_instance(replica_id, replication.delete_replica, force)

    def promote_replica(self, context, replica_id):
        self._on_instance(replica_id, replication.promote_replica)

    def update_replica(self, context, replica_id):
        self._on_instance(replica_id, replication.update_replica)

    # 1.1
    def extend_share(self, context, share_id, new_size):
        self._on_share(share_id, resize.extend_share, share_id, new_size)

    def shrink_share(self, context, share_id, new_size):
        self._on_share(share_id, resize.shrink_share, share_id, new_size)

    def create_snapshot(self, context, snapshot_id):
        self._on_share(snapshots.share_of(snapshot_id),
                       snapshots.create_snapshot, snapshot_id)

    def delete_snapshot(self, context, snapshot_id, force=False):
        self._on_share(snapshots.share_of(snapshot_id),
                       snapshots.delete_snapshot, snapshot_id, force)

    def update_access(self, context, share_id):
        self._on_share(share_id, access.update_access, share_id)
