"""Manila's error bodies become one line; a refused connection names the
URL."""
import requests

import pytest

from manila_repl.client import http
from manila_repl.client import common


def _response(status, body, reason='Bad'):
    r = requests.Response()
    r.status_code = status
    r.reason = reason
    r._content = body.encode()
    return r


def test_fault_body_message():
    r = _response(409, '{"conflictingRequest": {"code": 409, '
                       '"message": "busy"}}')
    assert http.error_message(r) == 'busy'


def test_non_json_error():
    assert http.error_message(_response(502, '<html>x</html>',
                                        'Bad Gateway')) == '502 Bad Gateway'
    assert http.error_message(_response(500, 'boom', 'Err')) == \
        '500 Err: boom'


def test_connection_refused_names_the_url():
    port = 9    # discard: nothing listens
    session = http.Session('http://127.0.0.1:%d/v2' % port, token='a:a')
    with pytest.raises(http.ClientError) as e:
        session.get('/shares')
    assert str(e.value) == ('cannot connect to http://127.0.0.1:%d/v2/shares:'
                            ' connection refused' % port)


def test_age():
    now = common.parse_time('2026-01-01T00:10:00')
    assert common.age('2026-01-01T00:09:55.5', now) == '4s ago'
    assert common.age('2026-01-01T00:00:00', now) == '10m00s ago'
    assert common.age('2025-12-30T22:00:00', now) == '1d02h ago'
    assert common.age(None, now) is None


def test_last_sync_column():
    assert common.LastSyncColumn(('active', None)).human_readable() == '-'
    assert common.LastSyncColumn(('out_of_sync', None)).human_readable() \
        == 'never'
    column = common.LastSyncColumn(('in_sync', '2026-01-01T00:00:00'))
    assert column.machine_readable() == '2026-01-01T00:00:00'
    column = common.LastSyncColumn(('active', '2026-01-01T00:00:00'))
    assert column.machine_readable() is None


def test_properties():
    assert common.parse_properties(['a=1', 'b=x=y']) == {'a': '1',
                                                          'b': 'x=y'}
    with pytest.raises(http.ClientError, match='KEY=VALUE'):
        common.parse_properties(['nope'])
