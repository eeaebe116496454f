"""/v2/share_instances and /v2/shares/{id}/instances (administrators).

Read-only DB queries, beside their only use.
"""
import sqlalchemy as sa
from pecan import rest
from sqlalchemy import orm

from manila_repl import api, exception
from manila_repl.api import method, microversion, validation
from manila_repl.api.views import export_locations as el_views
from manila_repl.api.views import share_instances as views
from manila_repl.db import models, session
from manila_repl.policies import share_instances as policy
from manila_repl.share import api as share_api

Instance = models.ShareInstance


def _query():
    return sa.select(Instance).options(
        orm.joinedload(Instance.share).lazyload(models.Share.instances))


def _list(share_id=None, limit=None, offset=None):
    query = _query().order_by(Instance.created_at, Instance.id)
    if share_id:
        query = query.where(Instance.share_id == share_id)
    if offset:
        query = query.offset(offset)
    if limit:
        query = query.limit(limit)
    with session.reader() as r:
        return r.scalars(query).unique().all()


def _get(instance_id):
    with session.reader() as r:
        instance = r.scalars(
            _query().where(Instance.id == instance_id)).unique().first()
    if instance is None:
        raise exception.ShareInstanceNotFound(instance_id=instance_id)
    return instance


class InstanceExportLocationsController(rest.RestController):
    """/v2/share_instances/{instance_id}/export_locations"""

    @method.expose()
    @microversion.api_version('2.9')
    def get_all(self, instance_id):
        ctx = api.context()
        ctx.can(policy.SHARE_INSTANCE_EXPORT_LOCATION_INDEX)
        instance = _get(instance_id)
        return el_views.index(instance.export_locations, ctx.is_admin,
                              microversion.current())

    @method.expose()
    @microversion.api_version('2.9')
    def get_one(self, instance_id, export_location_id):
        ctx = api.context()
        ctx.can(policy.SHARE_INSTANCE_EXPORT_LOCATION_INDEX)
        instance = _get(instance_id)
        for location in instance.export_locations:
            if location.uuid == export_location_id:
                return el_views.show(location, ctx.is_admin,
                                     microversion.current())
        raise exception.ExportLocationNotFound(uuid=export_location_id)


class ShareInstancesController(rest.RestController):
    """/v2/share_instances"""

    export_locations = InstanceExportLocationsController()

    @method.expose()
    @microversion.api_version('2.3')
    def get_all(self):
        api.context().can(policy.SHARE_INSTANCE_INDEX)
        limit, offset = validation.limit_offset()
        return views.index(_list(limit=limit, offset=offset),
                           microversion.current())

    @method.expose()
    @microversion.api_version('2.3')
    def get_one(self, instance_id):
        api.context().can(policy.SHARE_INSTANCE_SHOW)
        instance = _get(instance_id)
        return views.show(instance, instance.share.share_type_id,
                          microversion.current())


class InstancesOfShareController(rest.RestController):
    """/v2/shares/{share_id}/instances"""

    @method.expose()
    @microversion.api_version('2.3')
    def get_all(self, share_id):
        ctx = api.context()
        ctx.can(policy.SHARE_INSTANCE_INDEX)
        share_api.get_share(ctx, share_id)
        return views.index(_list(share_id=share_id), microversion.current())
