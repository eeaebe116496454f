"""Helpers shared by tests/unit/{db,scheduler,share}: a temporary SQLite
database migrated with alembic, fake backends on a temporary root, and
rows made where the API or a manager would have made them.

Overrides are restored on exit (not cleared): the tests/unit/api suite
keeps session-wide overrides on the same global CONF.
"""
import contextlib
import datetime

import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl import rpc
from manila_repl.conf import CONF, backend_config
from manila_repl.db import migration, models, session
from manila_repl.share import manager
from manila_repl.share import pending_db

# Adds the fake driver's options to every backend section.
from manila_repl.share.drivers import fake  # noqa: F401

NODE = 'node'
POOL = 'pool0'
BACKENDS = ('az1', 'az2', 'az3')


def host(backend, pool=POOL):
    """``node@<backend>#<pool>``: where an instance on ``backend`` lives."""
    return f'{NODE}@{backend}#{pool}'


def backend_host(backend):
    """``node@<backend>``: the share manager's name for ``backend``."""
    return f'{NODE}@{backend}'


class Overrides:
    """CONF.set_override with the previous value put back on restore()."""

    _UNSET = object()

    def __init__(self):
        self._saved = []

    def set(self, name, value, group=None):
        info = CONF._get_opt_info(name, group)
        self._saved.append((name, group, info.get('override', self._UNSET)))
        CONF.set_override(name, value, group=group)

    def restore(self):
        while self._saved:
            name, group, old = self._saved.pop()
            if old is self._UNSET or old is None:
                CONF.clear_override(name, group=group)
            else:
                CONF.set_override(name, old, group=group)


def _ensure_parsed():
    """Options can be read unparsed, but oslo.messaging wants a parsed
    CONF for some of its own; parse once, with no file and no argument."""
    if CONF._args is None:
        CONF([], project='manila-repl', default_config_files=[])


@contextlib.contextmanager
def temp_database(tmp_path, url=None):
    """A migrated SQLite file in ``tmp_path`` (or the empty database at
    ``url``); RPC on fake://."""
    _ensure_parsed()
    rpc.set_defaults('fake://')
    overrides = Overrides()
    overrides.set('connection', url or f"sqlite:///{tmp_path / 'db.sqlite'}",
                  group='database')
    overrides.set('state_path', str(tmp_path))
    overrides.set('transport_url', 'fake://')
    session.reset()
    try:
        migration.upgrade()
        yield overrides
    finally:
        session.reset()
        overrides.restore()


def make_backends(overrides, root, names=BACKENDS, domain='domain1',
                  zones=None):
    """Config sections for fake backends sharing ``root``; their drivers,
    set up (controller.pid written by this process)."""
    drivers = {}
    for index, name in enumerate(names):
        backend_config(CONF, name)
        zone = (zones or {}).get(name, name)
        overrides.set('share_driver', 'fake', group=name)
        overrides.set('backend_availability_zone', zone, group=name)
        overrides.set('replication_domain', domain, group=name)
        overrides.set('fake_root_path', str(root), group=name)
        driver = manager.load_driver(name)
        driver.do_setup()
        drivers[name] = driver
    return drivers


def with_storage(drivers, instance_id):
    """What its driver made before a manager died: its storage."""
    from manila_repl.share import instance_db
    _, view = instance_db.load(instance_id)
    drivers[view.backend_name].create_share(view)
    return instance_id


def flows(work):
    """(flow, target) of each pending_db.Work."""
    return [(w.flow, w.target) for w in work]


def pending(backend, older_than=None):
    """(flow, target) of the work ``backend`` owns now."""
    return flows(pending_db.pending_work(backend, older_than))


def stats(driver):
    """A manager's report to the scheduler (driver stats plus its AZ)."""
    zone = driver.configuration.backend_availability_zone
    return dict(driver.get_stats(), availability_zone=zone)


def scheduler_of(drivers):
    """A SchedulerManager that has every driver's pool report."""
    from manila_repl import context
    from manila_repl.scheduler import manager as scheduler_manager
    scheduler = scheduler_manager.SchedulerManager()
    for name, driver in drivers.items():
        scheduler.update_service_capabilities(
            context.get_admin_context(), backend_host(name), stats(driver))
    return scheduler


class Rows:
    """Rows where the API or a manager would have made them."""

    _stamp = 0

    def _created(self):
        # Strictly increasing creation times: instances keep their order.
        Rows._stamp += 1
        return datetime.datetime(2026, 1, 1) + datetime.timedelta(
            seconds=Rows._stamp)

    def add(self, obj):
        with session.transaction() as s:
            s.add(obj)
            s.flush()
            return obj.id

    def share_type(self, name='replicated', **extra_specs):
        share_type = models.ShareType(name=name, is_public=True)
        share_type.extra_specs = [
            models.ShareTypeExtraSpec(spec_key=k, spec_value=v)
            for k, v in extra_specs.items()]
        return self.add(share_type)

    def share(self, replication_type='readable', size=1, type_id=None,
              task_state=None, task_instance_id=None, project='p1'):
        return self.add(models.Share(
            project_id=project, user_id=project + '-user', size=size,
            share_proto='NFS', replication_type=replication_type,
            share_type_id=type_id, display_name='s', task_state=task_state,
            task_instance_id=task_instance_id, metadata_={}))

    def instance(self, share_id, backend='az1',
                 replica_state=c.REPLICA_STATE_ACTIVE,
                 status=c.STATUS_AVAILABLE, placed=True, zone=None):
        return self.add(models.ShareInstance(
            share_id=share_id, replica_state=replica_state, status=status,
            host=host(backend) if placed else None,
            availability_zone=(zone or backend) if placed else zone,
            created_at=self._created(),
            cast_rules_to_readonly=replica_state != c.REPLICA_STATE_ACTIVE))

    def get(self, model, id_):
        with session.reader() as r:
            return r.get(model, id_)

    def instance_row(self, id_):
        return self.get(models.ShareInstance, id_)

    def share_row(self, id_):
        return self.get(models.Share, id_)

    def instances_of(self, share_id):
        with session.reader() as r:
            return r.scalars(
                sa.select(models.ShareInstance)
                .where(models.ShareInstance.share_id == share_id)
                .order_by(models.ShareInstance.created_at)).all()

    def export_paths(self, instance_id):
        with session.reader() as r:
            return r.scalars(
                sa.select(models.ShareExportLocation.path)
                .where(models.ShareExportLocation.share_instance_id ==
                       instance_id)).all()

    def update(self, model, id_, **values):
        with session.transaction() as s:
            s.execute(sa.update(model).where(model.id == id_)
                      .values(**values))

    def delete_instance(self, id_):
        with session.transaction() as s:
            s.execute(sa.delete(models.ShareInstance)
                      .where(models.ShareInstance.id == id_))
