"""/v2/share-replicas (2.11+, experimental until 2.56)."""
from typing import ClassVar

import pecan
from pecan import rest

from manila_repl import api, exception
from manila_repl.api import listing as list_params
from manila_repl.api import method, microversion, validation
from manila_repl.api.schemas import share_replicas as schema
from manila_repl.api.views import export_locations as el_views
from manila_repl.api.views import share_replicas as views
from manila_repl.db import listing
from manila_repl.policies import share_replicas as policy
from manila_repl.share import api as share_api

MIN_VERSION = '2.11'
GA_VERSION = '2.56'


def replica_version():
    """Replicas exist from 2.11; before 2.56 only with the experimental
    header (else 404)."""
    return microversion.api_version(MIN_VERSION,
                                    experimental_until=GA_VERSION)


_ROW_KEYS = ('id', 'share_id', 'status', 'replica_state', 'host',
             'availability_zone', 'cast_rules_to_readonly', 'created_at',
             'updated_at', 'last_sync_at', 'status_message')


def _row(instance):
    """An ORM instance as the mapping db.listing.replicas rows are."""
    return {key: getattr(instance, key) for key in _ROW_KEYS}


def _show(ctx, replica_id):
    return views.show(share_api.get_replica_row(ctx, replica_id),
                      ctx.is_admin, microversion.current())


class ReplicaExportLocationsController(rest.RestController):
    """/v2/share-replicas/{replica_id}/export-locations (2.47+)"""

    @method.expose()
    @microversion.api_version('2.47')
    def get_all(self, replica_id):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_EXPORT_LOCATION_INDEX)
        replica = share_api.get_replica(ctx, replica_id)
        return el_views.index(replica.export_locations, ctx.is_admin,
                              microversion.current(), instance=replica)

    @method.expose()
    @microversion.api_version('2.47')
    def get_one(self, replica_id, export_location_id):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_EXPORT_LOCATION_SHOW)
        replica = share_api.get_replica(ctx, replica_id)
        for location in el_views.visible(replica.export_locations,
                                         ctx.is_admin):
            if location.uuid == export_location_id:
                return el_views.show(location, ctx.is_admin,
                                     microversion.current(),
                                     instance=replica)
        raise exception.ExportLocationNotFound(uuid=export_location_id)


class ShareReplicasController(rest.RestController):
    """/v2/share-replicas"""

    _custom_actions: ClassVar[dict] = {'detail': ['GET'], 'action': ['POST']}

    def _rows(self):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_GET_ALL)
        rows = listing.replicas(list_params.from_request(ctx, 'replicas'))
        return ctx, rows

    @method.expose()
    @replica_version()
    def get_all(self):
        _ctx, rows = self._rows()
        return views.summary_list(rows)

    @method.expose()
    @replica_version()
    def detail(self):
        ctx, rows = self._rows()
        return views.detail_list(rows, ctx.is_admin, microversion.current())

    @method.expose()
    @replica_version()
    def get_one(self, replica_id):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_SHOW)
        return _show(ctx, replica_id)

    @method.expose(202)
    @replica_version()
    @validation.schema(schema.create)
    def post(self, *, body=None):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_CREATE)
        req = body['share_replica']
        only_host = None
        if microversion.at_least('2.67'):
            only_host = (req.get('scheduler_hints') or {}).get('only_host')
        if microversion.at_least('2.72') and req.get('share_network_id'):
            raise exception.InvalidInput(
                reason='share networks are not supported')
        if microversion.at_least('2.95') and req.get('metadata'):
            raise exception.NotImplementedYet(feature='Replica metadata')
        replica = share_api.create_replica(
            ctx, req['share_id'],
            availability_zone=req.get('availability_zone') or None,
            only_host=only_host)
        return views.show(_row(replica), ctx.is_admin,
                          microversion.current())

    @method.expose(202)
    @replica_version()
    def delete(self, replica_id):
        ctx = api.context()
        ctx.can(policy.SHARE_REPLICA_DELETE)
        share_api.delete_replica(ctx, replica_id)

    @method.expose(202)
    @replica_version()
    @validation.schema(schema.action)
    def action(self, replica_id, *, body=None):
        ctx = api.context()
        name, argument = next(iter(body.items()))
        ctx.can(policy.ACTIONS[name])
        if name == 'promote':
            validation.validate(schema.promote, argument)
            # quiesce_wait_time (2.75+) is accepted; drivers do not use it.
            row = share_api.promote_replica(ctx, replica_id)
            if row is None:
                # Already active: nothing to do. (With an empty body pecan
                # would turn the 200 into a 204.)
                pecan.response.status = 200
                return _show(ctx, replica_id)
            return views.show(row, ctx.is_admin, microversion.current())
        if name == 'resync':
            share_api.resync_replica(ctx, replica_id)
        elif name == 'reset_status':
            validation.validate(schema.reset_status, argument)
            share_api.reset_replica_status(ctx, replica_id,
                                           argument['status'])
        elif name == 'reset_replica_state':
            validation.validate(schema.reset_replica_state, argument)
            share_api.reset_replica_state(ctx, replica_id,
                                          argument['replica_state'])
        elif name == 'force_delete':
            share_api.delete_replica(ctx, replica_id, force=True)


pecan.route(ShareReplicasController, 'export-locations',
            ReplicaExportLocationsController())
