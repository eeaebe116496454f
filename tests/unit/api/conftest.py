"""A real app on a temporary SQLite database; RPC on fake:// (casts go
nowhere: no server listens)."""
import contextlib
import datetime

import oslo_messaging
import pytest
import sqlalchemy as sa
import webtest

from manila_repl import constants as c
from manila_repl import policies, rpc
from manila_repl.api import app as api_app
from manila_repl.conf import CONF
from manila_repl.db import migration, models, session

MAX = '2.95'


@contextlib.contextmanager
def migrated(url, state_path=None):
    """CONF on a database migrated to the head (its URL), RPC on fake://.
    """
    CONF([], project='manila-repl', default_config_files=[])
    CONF.set_override('connection', url, group='database')
    if state_path:
        CONF.set_override('state_path', state_path)
    # Registers oslo.messaging's transport options on CONF.
    oslo_messaging.get_rpc_transport(CONF, url='fake://')
    CONF.set_override('transport_url', 'fake://')
    session.reset()
    rpc.reset()
    policies.reset()
    migration.upgrade()
    try:
        yield
    finally:
        session.reset()
        rpc.reset()


@pytest.fixture(scope='session')
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp('api-db')
    with migrated(f'sqlite:///{path}/api.sqlite', str(path)):
        yield


_TABLES = ('messages', 'share_export_locations', 'share_instances', 'shares',
           'share_type_extra_specs', 'share_types', 'availability_zones',
           'services')


@pytest.fixture
def db(database):
    with session.transaction() as s:
        for table in _TABLES:
            s.execute(sa.text(f'DELETE FROM {table}'))
    return DB()


class Client:
    """webtest with Manila's headers: admin unless ``roles`` says not."""

    def __init__(self, app):
        self.app = app

    def headers(self, version=MAX, project='p1', roles=None, extra=None):
        headers = {'X-Auth-Token': f'{project}-user:{project}'}
        if version is not None:
            headers['X-OpenStack-Manila-API-Version'] = version
        if roles is not None:
            headers['X-Roles'] = roles
        headers.update(extra or {})
        return headers

    def _call(self, verb, path, body=None, status=200, version=MAX,
              project='p1', roles=None, headers=None, raw=None):
        kwargs = {'headers': self.headers(version, project, roles, headers),
                  'status': status, 'expect_errors': status >= 400}
        if verb in ('post', 'put'):
            if raw is not None:
                return getattr(self.app, verb)(path, raw, **kwargs)
            return getattr(self.app, verb + '_json')(path, body, **kwargs)
        return getattr(self.app, verb)(path, **kwargs)

    def get(self, path, **kw):
        return self._call('get', path, **kw)

    def post(self, path, body=None, **kw):
        return self._call('post', path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call('put', path, body, **kw)

    def delete(self, path, **kw):
        return self._call('delete', path, **kw)


@pytest.fixture
def client(db):
    return Client(webtest.TestApp(api_app.setup_app(CONF)))


def assert_fault(response, code, name):
    assert response.status_int == code
    assert response.content_type == 'application/json'
    body = response.json
    assert list(body) == [name], body
    assert body[name]['code'] == code
    assert body[name]['message']
    return body[name]['message']


class DB:
    """Rows where a manager would have made them."""

    def add(self, obj):
        with session.transaction() as s:
            s.add(obj)
            s.flush()
            return obj.id

    def zone(self, name):
        return self.add(models.AvailabilityZone(name=name))

    def share_type(self, name='replicated', replication_type='readable',
                   is_public=True):
        share_type = models.ShareType(name=name, is_public=is_public)
        specs = {'driver_handles_share_servers': 'False'}
        if replication_type:
            specs['replication_type'] = replication_type
        share_type.extra_specs = [
            models.ShareTypeExtraSpec(spec_key=k, spec_value=v)
            for k, v in specs.items()]
        return self.add(share_type)

    def share(self, project='p1', replication_type='readable', size=1,
              type_id=None, task_state=None):
        return self.add(models.Share(
            project_id=project, user_id=project + '-user', size=size,
            share_proto='NFS', replication_type=replication_type,
            share_type_id=type_id, display_name='s',
            task_state=task_state, metadata_={}))

    def instance(self, share_id, replica_state=c.REPLICA_STATE_ACTIVE,
                 status=c.STATUS_AVAILABLE, host='node@az1#pool0',
                 az='az1', created_at=None, paths=()):
        instance = models.ShareInstance(
            share_id=share_id, replica_state=replica_state, status=status,
            host=host, availability_zone=az,
            created_at=created_at or datetime.datetime(2026, 1, 1),
            cast_rules_to_readonly=replica_state != c.REPLICA_STATE_ACTIVE)
        instance.export_locations = [
            models.ShareExportLocation(path=p, preferred=(n == 0),
                                       is_admin_only=p.startswith('admin'))
            for n, p in enumerate(paths)]
        return self.add(instance)

    def get(self, model, id_):
        with session.reader() as r:
            return r.get(model, id_)

    def count(self, model):
        with session.reader() as r:
            return r.scalar(sa.select(sa.func.count()).select_from(model))

    def update(self, model, id_, **values):
        with session.transaction() as s:
            s.execute(sa.update(model).where(model.id == id_)
                      .values(**values))
