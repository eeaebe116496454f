"""The root: version documents, /v2 and its optional /{project_id}."""
import pecan

from manila_repl import api, exception
from manila_repl.api import method
from manila_repl.api.controllers import (
    availability_zones,
    messages,
    quota_sets,
    scheduler_stats,
    services,
    share_access_rules,
    share_instances,
    share_replicas,
    share_snapshots,
    share_types,
    shares,
)
from manila_repl.api.views import versions


_DHSS = ('this service serves share types with '
         'driver_handles_share_servers=False only')
#: Manila's collections this service does not serve, and why: every
#: method on every path below them answers 501 saying so (not 404, and
#: the name is not taken for a project id).
UNSERVED = {
    'share-networks': ('Share networks', _DHSS),
    'share-network-subnets': ('Share network subnets', _DHSS),
    'share-servers': ('Share servers', _DHSS),
    'security-services': ('Security services', _DHSS),
    'share-groups': ('Share groups', None),
    'share-group-types': ('Share group types', None),
    'share-group-snapshots': ('Share group snapshots', None),
    'share-transfers': ('Share transfers', None),
    'resource-locks': ('Resource locks', None),
    'share-backups': ('Share backups', None),
    'limits': ('Limits', None),
    'quota-class-sets': ('Quota class sets', None),
    'os-quota-class-sets': ('Quota class sets', None),
}


def unserved(collection):
    """The 501 for one of Manila's collections we do not serve."""
    feature, why = UNSERVED[collection]
    return exception.NotImplementedYet(
        '%s (/v2/%s) are not supported by this service%s.' % (
            feature, collection, ': %s' % why if why else ''))


class V2Resources:
    """The collections under /v2 (or /v2/{project_id})."""

    shares = shares.SharesController()
    types = share_types.ShareTypesController()
    share_instances = share_instances.ShareInstancesController()
    services = services.ServicesController()

    @pecan.expose()
    def _lookup(self, collection, *remainder):
        if collection in UNSERVED:
            raise unserved(collection)
        return None


pecan.route(V2Resources, 'share-replicas',
            share_replicas.ShareReplicasController())
pecan.route(V2Resources, 'availability-zones',
            availability_zones.AvailabilityZonesController())
pecan.route(V2Resources, 'os-availability-zone',
            availability_zones.OSAvailabilityZoneController())
pecan.route(V2Resources, 'scheduler-stats',
            scheduler_stats.SchedulerStatsController())
pecan.route(V2Resources, 'os-services', services.OSServicesController())
pecan.route(V2Resources, 'share-access-rules',
            share_access_rules.ShareAccessRulesController())
pecan.route(V2Resources, 'snapshots',
            share_snapshots.SnapshotsController())
pecan.route(V2Resources, 'snapshot-instances',
            share_snapshots.SnapshotInstancesController())
pecan.route(V2Resources, 'quota-sets',
            quota_sets.QuotaSetsController())
pecan.route(V2Resources, 'os-quota-sets',
            quota_sets.OSQuotaSetsController())
pecan.route(V2Resources, 'messages', messages.MessagesController())

_PROJECT_SCOPED = V2Resources()


class V2Controller(V2Resources):
    """/v2: the version document, or a collection.

    A first segment that names no collection is a project id:
    /v2/{project_id}/shares is /v2/shares.
    """

    @method.expose(methods=('GET',))
    def index(self):
        return versions.versions(pecan.request)

    @pecan.expose()
    def _lookup(self, project_id, *remainder):
        if project_id in UNSERVED:
            raise unserved(project_id)
        # A collection name is no project id: whatever failed under it
        # (404, 405) stands.
        if remainder and not hasattr(V2Resources, project_id):
            check_path_project(project_id)
            return _PROJECT_SCOPED, list(remainder)
        return None


def check_path_project(project_id):
    """/v2/{project_id}/... must name the caller's own project: Manila
    answers 400 to any other (an administrator's too; the project of the
    resources listed is chosen by ``all_tenants`` or ``project_id``)."""
    ctx = pecan.request.environ.get(api.CONTEXT_KEY)
    if ctx is not None and ctx.project_id != project_id:
        raise exception.InvalidInput(
            reason='malformed request URL: the project in the path (%s) is '
                   'not the project of the token (%s)' % (
                       project_id, ctx.project_id))


class RootController:

    v2 = V2Controller()

    @method.expose(300, methods=('GET',))
    def index(self):
        return versions.versions(pecan.request)
