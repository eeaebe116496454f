"""The root: version documents, /v2 and its optional /{project_id}."""
import pecan

from manila_repl.api import method
from manila_repl.api.controllers import (
    availability_zones,
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


class V2Resources:
    """The collections under /v2 (or /v2/{project_id})."""

    shares = shares.SharesController()
    types = share_types.ShareTypesController()
    share_instances = share_instances.ShareInstancesController()
    services = services.ServicesController()


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
        # A collection name is no project id: whatever failed under it
        # (404, 405) stands.
        if remainder and not hasattr(V2Resources, project_id):
            return _PROJECT_SCOPED, list(remainder)
        return None


class RootController:

    v2 = V2Controller()

    @method.expose(300, methods=('GET',))
    def index(self):
        return versions.versions(pecan.request)
