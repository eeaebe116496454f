"""With the message bus unreachable, a request answers 503 after a bounded
number of retries and leaves nothing half-made (a real broker URL on a
closed port, not a stand-in)."""
import pytest
import sqlalchemy as sa

from manila_repl.api import bus
from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl import exception, rpc
from manila_repl.db import models, session
from manila_repl.share import api as share_api

CLOSED = 'rabbit://guest:guest@127.0.0.1:9/'


@pytest.fixture
def dead_broker(conf_db):
    conf_db.set('transport_url', CLOSED)
    rpc.reset()
    rpc.get_transport()  # loads the rabbit driver and its options
    conf_db.set('rabbit_retry_interval', 1, group='oslo_messaging_rabbit')
    conf_db.set('rabbit_retry_backoff', 0, group='oslo_messaging_rabbit')
    share_api._scheduler = share_api._share = None
    yield
    rpc.reset()
    bus.reset()
    share_api._scheduler = share_api._share = None


def _ctx():
    return ctx_mod.RequestContext(user_id='u', project_id='p1',
                                  roles=['admin'])


def _instances(share_id):
    with session.reader() as r:
        return r.execute(sa.select(
            models.ShareInstance.id, models.ShareInstance.status,
            models.ShareInstance.replica_state,
            models.ShareInstance.status_message)
            .where(models.ShareInstance.share_id == share_id)).all()


def _count(model):
    with session.reader() as r:
        return r.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_share_leaves_nothing(dead_broker):
    with pytest.raises(exception.ServiceUnavailable) as raised:
        share_api.create_share(_ctx(), 1, 'nfs', None, name='x')
    assert 'nothing was changed' in raised.value.msg
    assert _count(models.Share) == _count(models.ShareInstance) == 0


def test_create_replica_leaves_nothing(rows, dead_broker):
    share_id = rows.share()
    rows.instance(share_id, 'az1')
    before = sorted(_instances(share_id))
    with pytest.raises(exception.ServiceUnavailable) as raised:
        share_api.create_replica(_ctx(), share_id)
    assert 'nothing was changed' in raised.value.msg
    assert sorted(_instances(share_id)) == before


def test_promote_and_delete_are_undone(rows, dead_broker):
    share_id = rows.share()
    active = rows.instance(share_id, 'az1')
    replica = rows.instance(share_id, 'az2',
                            replica_state=c.REPLICA_STATE_IN_SYNC)
    before = sorted(_instances(share_id))
    with pytest.raises(exception.ServiceUnavailable):
        share_api.promote_replica(_ctx(), replica)
    with pytest.raises(exception.ServiceUnavailable):
        share_api.delete_replica(_ctx(), replica)
    assert sorted(_instances(share_id)) == before
    with session.reader() as r:
        assert r.get(models.Share, share_id).task_state is None
    assert active
