"""Every log line a request writes carries that request's id, the one its
response returns in ``x-openstack-request-id`` (a server thread used to
keep logging the id of the first request it served)."""
import logging
import re
import threading

import pytest
import requests
from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log as oslo_logging

from manila_repl.api import app as api_app
from manila_repl.cmd import api as cmd_api
from manila_repl.conf import CONF

ID = re.compile(r' (req-[0-9a-f-]{36}) ')


@pytest.fixture
def log_lines():
    # oslo.log's default formats, on options of their own.
    log_conf = cfg.ConfigOpts()
    oslo_logging.register_options(log_conf)
    log_conf([])
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(formatters.ContextFormatter(config=log_conf))
    logger = logging.getLogger('manila_repl')
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def server(db):
    CONF.set_override('bind_port', 0, group='api')
    CONF.set_override('threads', 2, group='api')
    server = cmd_api.make_server(CONF, api_app.setup_app(CONF))
    url = cmd_api.serve_in_thread(server)
    yield url
    server.stop()
    CONF.clear_override('bind_port', group='api')
    CONF.clear_override('threads', group='api')


def test_log_lines_carry_their_requests_id(server, log_lines):
    answers = []

    def client(n):
        session = requests.Session()
        for i in range(6):
            # An unsupported action: its 501 is logged from inside the
            # request (hooks.FaultHook), with the thread's current context.
            response = session.post(
                f'{server}/v2/shares/x/action?client={n}&i={i}',
                json={'revert': {'snapshot_id': 's'}},
                headers={'X-Auth-Token': 'u:p'}, timeout=30)
            assert response.status_code == 501
            answers.append((f'client={n}&i={i}',
                            response.headers['x-openstack-request-id']))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 18
    failures = [line for line in log_lines if 'Request refused' in line]
    assert len(failures) == 18
    for marker, request_id in answers:
        [logged] = [line for line in log_lines
                    if marker in line and 'status: 501' in line]
        assert ID.search(logged).group(1) == request_id, logged
    # The line each request logged from inside carries one of the ids
    # returned, each id exactly once.
    inside = sorted(ID.search(line).group(1) for line in failures)
    assert inside == sorted(request_id for _, request_id in answers)
