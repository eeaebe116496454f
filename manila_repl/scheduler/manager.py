"""Scheduler RPC endpoints: place instances, then cast to a share manager.

A new share's instance goes to the manager of the chosen pool; a new
replica is cast as ``add_replica`` to the manager of the backend that owns
the share's ACTIVE replica (the design), which makes it on the chosen pool.
"""
import datetime

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.conf import CONF
from manila_repl import context as ctx_mod
from manila_repl.db import models
from manila_repl.db import services as services_db
from manila_repl.db import session
from manila_repl.db import snapshot_source
from manila_repl import exception
from manila_repl import messages
from manila_repl import notifications
from manila_repl.scheduler import filter_scheduler
from manila_repl.scheduler import host_state
from manila_repl.scheduler.request_spec import RequestSpec
from manila_repl.share import instance_db
from manila_repl.share import rpcapi as share_rpcapi
from manila_repl import share_types

LOG = logging.getLogger(__name__)
Instance = models.ShareInstance

#: Seconds an instance may wait for placement before a sweep places it.
UNPLACED_GRACE = 60


def _load(instance_id, r=None):
    """(the instance's InstanceRow, its siblings, its share's extra specs)
    when it still waits for placement (creating, no host), else None.
    Three narrow statements."""
    if r is None:
        with session.reader() as r:
            return _load(instance_id, r)
    loaded = instance_db.share_instances(r, instance_id=instance_id)
    if not loaded:
        return None
    share, instances, _views = loaded
    instance = next((i for i in instances if i.id == instance_id), None)
    if instance is None or instance.status != c.STATUS_CREATING or \
            instance.host:
        return None
    return (instance, instances,
            share_types.extra_specs_of(r, share.share_type_id))


def _fail(instance_id, message, detail, is_replica=False):
    """Placement failed: error/error, with a message the user can see
    (the instance's status message, and a user message once it failed)."""
    LOG.warning('Instance %s: %s', instance_id, message)
    with session.transaction() as s:
        failed = s.execute(
            sa.update(Instance)
            .where(Instance.id == instance_id,
                   Instance.status == c.STATUS_CREATING)
            .values(status=c.STATUS_ERROR,
                    replica_state=sa.case(
                        (Instance.replica_state.is_(None), None),
                        else_=c.REPLICA_STATE_ERROR),
                    status_message=message,
                    updated_at=timeutils.utcnow())).rowcount
    if failed:
        messages.instance(instance_id, messages.Action.ALLOCATE_HOST, detail,
                          is_replica=is_replica)
        notifications.placement_failed(instance_id, message)


def _place(instance_id, pool):
    """Record the placement unless someone placed it already."""
    with session.transaction() as s:
        done = s.execute(sa.update(Instance)
                         .where(Instance.id == instance_id,
                                Instance.status == c.STATUS_CREATING,
                                Instance.host.is_(None))
                         .values(host=pool.host,
                                 availability_zone=pool.availability_zone,
                                 updated_at=timeutils.utcnow()))
        return done.rowcount == 1


class SchedulerManager:
    target = messaging.Target(version='1.0')

    def __init__(self):
        self.host_manager = host_state.HostManager(
            disabled_backends=lambda: services_db.disabled_hosts(
                c.BINARY_SHARE))
        self.scheduler = filter_scheduler.FilterScheduler(self.host_manager)
        self.share_rpcapi = share_rpcapi.ShareAPI()

    def init_host(self):
        # Managers report on start and periodically; ask now so that a
        # scheduler started after them need not wait a report interval.
        try:
            self.share_rpcapi.publish_service_capabilities(
                ctx_mod.get_admin_context())
        except Exception as e:
            LOG.warning('Could not ask share managers for pools: %s', e)

    def periodic_tasks(self):
        # First sweep once the managers' reports have had time to arrive.
        return [(self.place_forgotten, UNPLACED_GRACE, 10),
                (self.purge_expired_messages,
                 CONF.message.message_reap_interval, None)]

    def purge_expired_messages(self):
        """Delete expired user messages (every scheduler does; the
        DELETE is idempotent)."""
        messages.purge_expired()

    def place_forgotten(self):
        """Place instances still waiting for a scheduler after a grace
        period: their cast was lost (a scheduler died holding it). Placing
        is a conditional update, so racing another scheduler is harmless.
        """
        horizon = timeutils.utcnow() - datetime.timedelta(
            seconds=UNPLACED_GRACE)
        with session.reader() as r:
            rows = r.execute(
                sa.select(Instance.id, Instance.replica_state)
                .where(Instance.status == c.STATUS_CREATING,
                       Instance.host.is_(None),
                       Instance.created_at < horizon)).all()
        context = ctx_mod.get_admin_context()
        for instance_id, state in rows:
            LOG.info('Placing instance %s, left unplaced', instance_id)
            if state in (None, c.REPLICA_STATE_ACTIVE):
                self.create_share_instance(context, instance_id)
            else:
                self.create_replica(context, instance_id)

    def update_service_capabilities(self, context, host, capabilities):
        self.host_manager.update(host, capabilities)

    def get_pools(self, context, filters):
        pools = self.host_manager.pools()
        if filters.get('extra_specs') is not None:
            # ?share_type=: the pools that could hold a share of that type
            # (Manila matches the type's extra specs to capabilities).
            pools = self.scheduler.passing(pools, RequestSpec(
                size=0, extra_specs=filters['extra_specs']))
        pools = [p.as_dict() for p in pools]
        for key in ('host', 'backend', 'pool'):
            if filters.get(key):
                pools = [p for p in pools if p[key] == filters[key]]
        return sorted(pools, key=lambda p: p['name'])

    def create_share_instance(self, context, instance_id):
        with session.reader() as r:
            loaded = _load(instance_id, r)
            if loaded is None:
                LOG.info('Instance %s needs no placement', instance_id)
                return
            instance, _instances, extra_specs = loaded
            share = instance.share
            source = (snapshot_source.on_active(r, share.snapshot_id)
                      if share.snapshot_id else None)
        spec = RequestSpec(size=share.size, extra_specs=extra_specs,
                           availability_zone=instance.availability_zone,
                           share_id=share.id,
                           # A share from a snapshot: where its data is.
                           only_host=source.backend if source else None)
        if share.snapshot_id and (source is None or not source.host):
            _fail(instance_id, 'No valid host was found. Snapshot %s has no '
                               'copy on the active replica of its share.' %
                  share.snapshot_id,
                  messages.Detail.FILTER_CREATE_FROM_SNAPSHOT)
            return
        try:
            pool = self.scheduler.select(spec)
        except exception.NoValidHost as e:
            _fail(instance_id, e.msg, messages.no_valid_host_detail(e))
            return
        if _place(instance_id, pool):
            self.share_rpcapi.create_share_instance(context, pool.host,
                                                    instance_id)

    def create_replica(self, context, replica_id, only_host=None):
        loaded = _load(replica_id)
        if loaded is None:
            LOG.info('Replica %s needs no placement', replica_id)
            return
        replica, instances, extra_specs = loaded
        active = next((i for i in instances
                       if i.replica_state == c.REPLICA_STATE_ACTIVE), None)
        if active is None or not active.host:
            _fail(replica_id, 'The share has no active replica.',
                  messages.Detail.NO_ACTIVE_REPLICA, is_replica=True)
            return
        # A backend pin would put every replica on the active's backend.
        extra_specs.pop('share_backend_name', None)
        extra_specs.pop('capabilities:share_backend_name', None)
        active_backend = active.host.partition('#')[0]
        active_pool = next((p for p in self.host_manager.pools()
                            if p.host == active.host), None)
        spec = RequestSpec(
            size=replica.share.size, extra_specs=extra_specs,
            availability_zone=replica.availability_zone,
            is_replica=True, share_id=replica.share_id,
            active_replica_host=active.host,
            active_replica_az=active.availability_zone,
            active_replica_domain=(active_pool.replication_domain
                                   if active_pool else None),
            existing_backends=frozenset(
                i.host.partition('#')[0] for i in instances if i.host),
            only_host=only_host)
        if active_pool is None:
            _fail(replica_id, 'No valid host was found. The backend of the '
                              'active replica (%s) is not reporting; it may '
                              'be down.' % active_backend,
                  messages.Detail.ACTIVE_REPLICA_BACKEND_DOWN,
                  is_replica=True)
            return
        try:
            pool = self.scheduler.select(spec)
        except exception.NoValidHost as e:
            _fail(replica_id, e.msg, messages.no_valid_host_detail(e),
                  is_replica=True)
            return
        if _place(replica_id, pool):
            self.share_rpcapi.add_replica(context, active.host, replica_id)
