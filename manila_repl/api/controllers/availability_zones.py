"""/v2/availability-zones (2.7+) and /v2/os-availability-zone (2.0-2.6)."""
import sqlalchemy as sa
from pecan import rest

from manila_repl import api
from manila_repl.api import method, microversion
from manila_repl.api.views import availability_zones as views
from manila_repl.db import models, session
from manila_repl.policies import availability_zones as policy


def _zones():
    with session.reader() as r:
        return r.scalars(sa.select(models.AvailabilityZone)
                         .order_by(models.AvailabilityZone.name)).all()


class AvailabilityZonesController(rest.RestController):
    """/v2/availability-zones"""

    @method.expose()
    @microversion.api_version('2.7')
    def get_all(self):
        api.context().can(policy.AVAILABILITY_ZONE_INDEX)
        return views.index(_zones())


class OSAvailabilityZoneController(rest.RestController):
    """/v2/os-availability-zone (before 2.7)"""

    @method.expose()
    @microversion.api_version('2.0', '2.6')
    def get_all(self):
        api.context().can(policy.AVAILABILITY_ZONE_INDEX)
        return views.index(_zones())
