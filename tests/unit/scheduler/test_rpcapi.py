"""The scheduler's RPC client: pool reports while the bus is down."""
import logging

import oslo_messaging

from manila_repl import context as ctx_mod
from manila_repl.scheduler import rpcapi


class _Bus:
    """A client whose casts fail while ``down``."""

    def __init__(self):
        self.down = False
        self.sent = 0

    def prepare(self, **kwargs):
        return self

    def cast(self, context, method, **kwargs):
        if self.down:
            raise oslo_messaging.MessageDeliveryFailure('connection refused')
        self.sent += 1


def test_pool_reports_log_one_warning_down_and_one_line_back(
        conf_db, caplog):
    caplog.set_level(logging.INFO, logger='manila_repl.scheduler.rpcapi')
    api = rpcapi.SchedulerAPI()
    api.client = bus = _Bus()
    ctx = ctx_mod.get_admin_context()
    assert api.update_service_capabilities(ctx, 'node@az1', {})
    bus.down = True
    for _ in range(5):
        assert not api.update_service_capabilities(ctx, 'node@az1', {})
    bus.down = False
    assert api.update_service_capabilities(ctx, 'node@az1', {})
    assert api.update_service_capabilities(ctx, 'node@az1', {})
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        ('WARNING', 'Pool reports of node@az1 are not reaching the '
                    'schedulers: the message bus is unreachable (connection '
                    'refused). They resume when it is back.'),
        ('INFO', 'Pool reports of node@az1 reach the schedulers again (5 '
                 'lost while the message bus was unreachable).')]
    assert not any(r.exc_info for r in caplog.records)
    assert bus.sent == 3
