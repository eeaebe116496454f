"""/v2/shares: shares, their actions and export locations."""
from typing import ClassVar

import pecan
from oslo_utils import strutils
from pecan import rest

from manila_repl import api, exception, share_types
from manila_repl.api import listing as list_params
from manila_repl.api import method, microversion, validation
from manila_repl.api.controllers import share_access_rules as access
from manila_repl.api.controllers import share_instances
from manila_repl.api.schemas import shares as schema
from manila_repl.api.views import export_locations as el_views
from manila_repl.api.views import shares as views
from manila_repl.db import listing
from manila_repl.policies import quota_sets as quota_policy
from manila_repl.policies import shares as policy
from manila_repl.share import access_api
from manila_repl.share import api as share_api
from manila_repl.share import resize_api
from manila_repl.share import snapshot_api


def _export_location_instances(share, version):
    """Whose export locations a share shows: from 2.47 the active
    replica's only, before every instance's."""
    if version >= (2, 47) or not share.replication_type:
        primary = views.primary_instance(share)
        return [primary] if primary is not None else []
    return list(share.instances)


class ShareExportLocationsController(rest.RestController):
    """/v2/shares/{share_id}/export_locations"""

    def _locations(self, share_id):
        ctx = api.context()
        version = microversion.current()
        share = share_api.get_share(ctx, share_id)
        locations = [loc for i in _export_location_instances(share, version)
                     for loc in i.export_locations]
        return ctx, version, el_views.visible(locations, ctx.is_admin)

    @method.expose()
    @microversion.api_version('2.9')
    def get_all(self, share_id):
        api.context().can(policy.SHARE_EXPORT_LOCATION_INDEX)
        ctx, version, locations = self._locations(share_id)
        return el_views.index(locations, ctx.is_admin, version)

    @method.expose()
    @microversion.api_version('2.9')
    def get_one(self, share_id, export_location_id):
        api.context().can(policy.SHARE_EXPORT_LOCATION_SHOW)
        ctx, version, locations = self._locations(share_id)
        for location in locations:
            if location.uuid == export_location_id:
                return el_views.show(location, ctx.is_admin, version)
        raise exception.ExportLocationNotFound(uuid=export_location_id)


def _resize(ctx, share_id, name, argument):
    """extend / shrink: every replica; 202, the work is the manager's."""
    is_extend = name in ('extend', 'os-extend')
    ctx.can(quota_policy.SHARE_EXTEND if is_extend
            else quota_policy.SHARE_SHRINK)
    validation.validate(schema.extend if is_extend else schema.shrink,
                        argument)
    if is_extend:
        force = argument.get('force')
        force = (validation.bool_param('force', force)
                 if force is not None and microversion.at_least('2.64')
                 else False)
        if force and not ctx.is_admin:
            raise exception.NotAuthorized(
                'Only an administrator may extend a share with force.')
        resize_api.extend_share(ctx, share_id, argument['new_size'],
                                force=force)
    else:
        resize_api.shrink_share(ctx, share_id, argument['new_size'])


class SharesController(rest.RestController):
    """/v2/shares"""

    _custom_actions: ClassVar[dict] = {'detail': ['GET'], 'action': ['POST']}

    export_locations = ShareExportLocationsController()
    instances = share_instances.InstancesOfShareController()

    def _list(self):
        ctx = api.context()
        ctx.can(policy.SHARE_GET_ALL)
        shares, count = listing.shares(list_params.from_request(ctx,
                                                                'shares'))
        return ctx, shares, count

    @method.expose()
    def get_all(self):
        _ctx, shares, count = self._list()
        return views.summary_list(pecan.request, shares, count)

    @method.expose()
    def detail(self):
        ctx, shares, count = self._list()
        return views.detail_list(pecan.request, shares, ctx.is_admin,
                                 microversion.current(),
                                 access_api.rules_status(
                                     s.id for s in shares), count)

    @method.expose()
    def get_one(self, share_id):
        ctx = api.context()
        ctx.can(policy.SHARE_GET)
        share = share_api.get_share(ctx, share_id)
        return views.show(pecan.request, share, ctx.is_admin,
                          microversion.current(),
                          access_api.rules_status([share_id]))

    @method.expose()
    @validation.schema(schema.create)
    def post(self, *, body=None):
        ctx = api.context()
        ctx.can(policy.SHARE_CREATE)
        req = body['share']
        snapshot_id = req.get('snapshot_id')
        if not snapshot_id and (req.get('share_proto') is None or
                                req.get('size') is None):
            raise exception.InvalidInput(
                reason='share_proto and size are required (they may be '
                       'left out only with a snapshot_id)')
        size = None
        if req.get('size') is not None:
            size = int(str(req['size']).strip())
            if not 1 <= size <= schema.MAX_SIZE_GB:
                raise exception.InvalidInput(
                    reason='share size must be an integer from 1 to %d' %
                           schema.MAX_SIZE_GB)
        if req.get('share_network_id'):
            raise exception.InvalidInput(
                reason='share networks are not supported: use a share type '
                       'with driver_handles_share_servers=False')
        type_ref = req.get('share_type') or req.get('volume_type')
        share_type = None
        if type_ref:
            share_type = share_types.get_by_name_or_id(type_ref)
            dhss = share_types.extra_specs(share_type).get(share_types.DHSS)
            if strutils.bool_from_string(dhss):
                raise exception.InvalidInput(
                    reason=f'share type {share_type.name} has '
                           'driver_handles_share_servers=True, which needs '
                           'a share network; this service supports only '
                           'False')
        is_public = req.get('is_public')
        is_public = (validation.bool_param('is_public', is_public)
                     if is_public is not None else False)
        fields = dict(
            name=req.get('name', req.get('display_name')),
            description=req.get('description',
                                req.get('display_description')),
            availability_zone=req.get('availability_zone') or None,
            metadata=req.get('metadata') or {}, is_public=is_public)
        if snapshot_id:
            share = snapshot_api.create_share_from_snapshot(
                ctx, snapshot_id, size=size,
                share_proto=req.get('share_proto'), share_type=share_type,
                **fields)
        else:
            share = share_api.create_share(ctx, size, req['share_proto'],
                                           share_type, **fields)
        return views.show(pecan.request, share, ctx.is_admin,
                          microversion.current())

    @method.expose(202)
    def delete(self, share_id):
        ctx = api.context()
        ctx.can(policy.SHARE_DELETE)
        share_api.delete_share(ctx, share_id)

    @method.expose(202)
    @validation.schema(schema.action)
    def action(self, share_id, *, body=None):
        ctx = api.context()
        name, argument = next(iter(body.items()))
        if name in schema.UNSUPPORTED_ACTIONS:
            raise exception.NotImplementedYet(feature=f'Share action {name}')
        if name in ('allow_access', 'os-allow_access'):
            return access.allow_access(ctx, share_id, argument or {})
        if name in ('deny_access', 'os-deny_access'):
            return access.deny_access(ctx, share_id, argument or {})
        if name in ('access_list', 'os-access_list'):
            return access.access_list(ctx, share_id)
        if name in schema.RESIZE_ACTIONS:
            return _resize(ctx, share_id, name, argument or {})
        if name in ('reset_status', 'os-reset_status'):
            ctx.can(policy.SHARE_RESET_STATUS)
            validation.validate(schema.reset_status, argument)
            share_api.reset_share_status(ctx, share_id, argument['status'])
        elif name in ('force_delete', 'os-force_delete'):
            ctx.can(policy.SHARE_FORCE_DELETE)
            share_api.delete_share(ctx, share_id, force=True)

