"""/v2/services (2.7+) and /v2/os-services (2.0-2.6), administrators."""
import pecan
import sqlalchemy as sa
from pecan import rest

from manila_repl import api
from manila_repl import service as service_mod
from manila_repl.api import method, microversion
from manila_repl.api.views import services as views
from manila_repl.db import models, session
from manila_repl.policies import services as policy

Service = models.Service


def _services():
    """(row, state) pairs, filtered by the query parameters."""
    params = pecan.request.GET
    query = sa.select(Service).order_by(Service.id)
    if params.get('host'):
        query = query.where(Service.host == params['host'])
    if params.get('binary'):
        query = query.where(
            Service.binary == views.stored_binary(params['binary']))
    if params.get('zone'):
        query = query.where(Service.availability_zone == params['zone'])
    if params.get('status') in ('enabled', 'disabled'):
        query = query.where(
            Service.disabled.is_(params['status'] == 'disabled'))
    with session.reader() as r:
        rows = r.scalars(query).all()
    pairs = [(row, 'up' if service_mod.is_up(row) else 'down')
             for row in rows]
    state = params.get('state')
    if state:
        pairs = [(row, s) for row, s in pairs if s == state]
    return views.index(pairs)


class ServicesController(rest.RestController):
    """/v2/services"""

    @method.expose()
    @microversion.api_version('2.7')
    def get_all(self):
        api.context().can(policy.SERVICE_INDEX)
        return _services()


class OSServicesController(rest.RestController):
    """/v2/os-services (before 2.7)"""

    @method.expose()
    @microversion.api_version('2.0', '2.6')
    def get_all(self):
        api.context().can(policy.SERVICE_INDEX)
        return _services()
