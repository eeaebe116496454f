"""What operators put in front of the API: /healthcheck, request metrics
by route template, CORS and proxy headers (oslo.middleware)."""
import re
import uuid

import prometheus_client.parser
import pytest
import webtest

from manila_repl.api import app as api_app
from manila_repl.conf import CONF
from manila_repl import metrics
from tests.unit.api import routes_table

HEADERS = {'X-Auth-Token': 'u1:p1', 'X-OpenStack-Manila-API-Version': '2.95'}


@pytest.fixture
def overrides():
    made = []

    def override(name, value, group):
        CONF.set_override(name, value, group=group)
        made.append((name, group))
    yield override
    for name, group in made:
        CONF.clear_override(name, group=group)
    metrics.reset()


def _app():
    return webtest.TestApp(api_app.setup_app(CONF))


def _samples(name):
    text = prometheus_client.generate_latest(metrics.get().registry)
    return [s for family in
            prometheus_client.parser.text_string_to_metric_families(
                text.decode())
            for s in family.samples if s.name == name]


def test_healthcheck_answers_without_credentials(db):
    response = _app().get('/healthcheck')
    assert response.status_int == 200
    assert 'database OK' in response.text
    assert 'message bus OK' in response.text
    # Short form: no detail of the process.
    assert 'python_version' not in response.text


def test_healthcheck_is_detailed_for_admins_only(db):
    app = _app()
    accept = {'Accept': 'application/json'}
    admin = app.get('/healthcheck', headers=dict(HEADERS, **accept))
    assert admin.json['detailed'] is True
    assert [r['reason'] for r in admin.json['reasons']] == [
        'database OK', 'message bus OK']
    member = app.get('/healthcheck', headers=dict(
        HEADERS, **accept, **{'X-Roles': 'member'}))
    assert member.json == {'detailed': False,
                           'reasons': ['database OK', 'message bus OK']}


def test_healthcheck_with_a_bad_token_is_refused(db):
    response = _app().get('/healthcheck',
                          headers={'X-Auth-Token': 'u' * 300},
                          expect_errors=True)
    assert response.status_int == 401


def test_request_metrics_use_route_templates(db, overrides):
    overrides('enabled', True, 'metrics')
    metrics.reset()
    app = _app()
    ids = set()
    for method, template, _params in routes_table.collect():
        made = str(uuid.uuid4())
        ids.add(made)
        path = re.sub(r'\{[^}]+\}', made, template)
        app.request(path, method=method, headers=HEADERS,
                    expect_errors=True)
    app.get('/v2/p1/shares/%s' % uuid.uuid4(), headers=HEADERS,
            expect_errors=True)
    app.get('/v2/no/such/path/at/all', headers=HEADERS, expect_errors=True)
    app.get('/healthcheck')
    samples = _samples('manila_repl_api_requests_total')
    routes = {s.labels['route'] for s in samples}
    assert not any(i in route for route in routes for i in ids), routes
    assert {'/v2/shares/{id}', '/v2/{project_id}/shares/{id}',
            '/v2/share-replicas/{id}/action', '/healthcheck',
            'unmatched'} <= routes
    assert sum(s.value for s in samples) == len(
        routes_table.collect()) + 3
    durations = _samples('manila_repl_api_request_duration_seconds_count')
    assert sum(s.value for s in durations) == sum(s.value for s in samples)


def test_no_metric_is_kept_while_they_are_off(db):
    _app().get('/v2/shares', headers=HEADERS)
    assert metrics.get() is None


def test_cors_preflight_when_an_origin_is_allowed(db, overrides):
    overrides('allowed_origin', ['https://dashboard.example'], 'cors')
    response = _app().options('/v2/shares', headers={
        'Origin': 'https://dashboard.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'X-Auth-Token,'
                                          'X-OpenStack-Manila-API-Version'})
    assert response.headers['Access-Control-Allow-Origin'] == \
        'https://dashboard.example'
    simple = _app().get('/v2/shares', headers=dict(
        HEADERS, Origin='https://dashboard.example'))
    assert 'X-OpenStack-Request-ID' in \
        simple.headers['Access-Control-Expose-Headers']


def test_version_links_behind_a_tls_proxy(db, overrides):
    overrides('enable_proxy_headers_parsing', True, 'oslo_middleware')
    response = _app().get('/v2', headers=dict(HEADERS, **{
        'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'share.example'}))
    hrefs = [link['href'] for version in response.json['versions']
             for link in version['links']]
    assert hrefs and all(h.startswith('https://share.example/')
                         for h in hrefs if 'docs' not in h), hrefs
