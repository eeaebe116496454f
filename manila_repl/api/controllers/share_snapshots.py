"""/v2/snapshots and /v2/snapshot-instances (administrators, 2.19+)."""
from typing import ClassVar

import pecan
from pecan import rest

from manila_repl import api, exception
from manila_repl.api import listing as list_params
from manila_repl.api import method, microversion, validation
from manila_repl.api.schemas import share_snapshots as schema
from manila_repl.api.views import share_snapshots as views
from manila_repl.policies import share_snapshots as policy
from manila_repl.share import snapshot_api


def _names(req):
    """name/description, or Manila's older display_* keys."""
    values = {}
    for key, column in (('name', 'display_name'),
                        ('display_name', 'display_name'),
                        ('description', 'display_description'),
                        ('display_description', 'display_description')):
        if key in req:
            values[column] = req[key]
    return values


class SnapshotsController(rest.RestController):
    """/v2/snapshots"""

    _custom_actions: ClassVar[dict] = {'detail': ['GET'], 'action': ['POST']}

    def _list(self):
        ctx = api.context()
        ctx.can(policy.SHARE_SNAPSHOT_GET_ALL_SNAPSHOTS)
        snapshots, count = snapshot_api.list_snapshots(
            list_params.from_request(ctx, 'snapshots'))
        return ctx, snapshots, count

    @method.expose()
    def get_all(self):
        _ctx, snapshots, count = self._list()
        return views.summary_list(pecan.request, snapshots, count)

    @method.expose()
    def detail(self):
        ctx, snapshots, count = self._list()
        return views.detail_list(pecan.request, snapshots, ctx.is_admin,
                                 microversion.current(), count)

    @method.expose()
    def get_one(self, snapshot_id):
        ctx = api.context()
        ctx.can(policy.SHARE_SNAPSHOT_GET_SNAPSHOT)
        return views.show(pecan.request,
                          snapshot_api.get_snapshot(ctx, snapshot_id),
                          ctx.is_admin, microversion.current())

    @method.expose(202)
    @validation.schema(schema.create)
    def post(self, *, body=None):
        ctx = api.context()
        ctx.can(policy.SHARE_CREATE_SNAPSHOT)
        req = body['snapshot']
        force = validation.bool_param('force', req.get('force', False))
        if microversion.at_least('2.73') and req.get('metadata'):
            raise exception.NotImplementedYet(feature='Snapshot metadata')
        names = _names(req)
        snapshot = snapshot_api.create_snapshot(
            ctx, req['share_id'], name=names.get('display_name'),
            description=names.get('display_description'), force=force)
        return views.show(pecan.request, snapshot, ctx.is_admin,
                          microversion.current())

    @method.expose()
    @validation.schema(schema.update)
    def put(self, snapshot_id, *, body=None):
        ctx = api.context()
        ctx.can(policy.SHARE_SNAPSHOT_UPDATE)
        snapshot = snapshot_api.update_snapshot(ctx, snapshot_id,
                                                _names(body['snapshot']))
        return views.show(pecan.request, snapshot, ctx.is_admin,
                          microversion.current())

    @method.expose(202)
    def delete(self, snapshot_id):
        ctx = api.context()
        ctx.can(policy.SHARE_DELETE_SNAPSHOT)
        snapshot_api.delete_snapshot(ctx, snapshot_id)

    @method.expose(202)
    @validation.schema(schema.action)
    def action(self, snapshot_id, *, body=None):
        ctx = api.context()
        name, argument = next(iter(body.items()))
        name = name.replace('os-', '', 1)
        ctx.can(policy.ACTIONS[name])
        if name == 'reset_status':
            validation.validate(schema.reset_status, argument)
            snapshot_api.reset_snapshot_status(ctx, snapshot_id,
                                               argument['status'])
        else:
            snapshot_api.delete_snapshot(ctx, snapshot_id, force=True)


class SnapshotInstancesController(rest.RestController):
    """/v2/snapshot-instances (administrators)"""

    _custom_actions: ClassVar[dict] = {'detail': ['GET'], 'action': ['POST']}

    def _rows(self, rule):
        api.context().can(rule)
        limit, offset = validation.limit_offset()
        return snapshot_api.list_snapshot_instances(
            snapshot_id=pecan.request.GET.get('snapshot_id') or None,
            limit=limit, offset=offset)

    @method.expose()
    @microversion.api_version('2.19')
    def get_all(self):
        return {'snapshot_instances': [
            views.instance_summary(r)
            for r in self._rows('share_snapshot_instance:index')]}

    @method.expose()
    @microversion.api_version('2.19')
    def detail(self):
        return {'snapshot_instances': [
            views.instance_detail(r)
            for r in self._rows('share_snapshot_instance:detail')]}

    @method.expose()
    @microversion.api_version('2.19')
    def get_one(self, instance_id):
        api.context().can(policy.SHARE_SNAPSHOT_INSTANCE_SHOW)
        return {'snapshot_instance': views.instance_detail(
            snapshot_api.get_snapshot_instance(instance_id))}

    @method.expose(202)
    @microversion.api_version('2.19')
    @validation.schema(schema.instance_action)
    def action(self, instance_id, *, body=None):
        api.context().can(policy.SHARE_SNAPSHOT_INSTANCE_RESET_STATUS)
        validation.validate(schema.reset_status, body['reset_status'])
        snapshot_api.reset_snapshot_instance_status(
            instance_id, body['reset_status']['status'])
