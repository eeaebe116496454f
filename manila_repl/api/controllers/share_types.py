"""/v2/types: share types and their extra specs."""
import pecan
from pecan import rest

from manila_repl import api, exception, share_types
from manila_repl.api import method, microversion, validation
from manila_repl.api.schemas import share_types as schema
from manila_repl.api.views import share_types as views
from manila_repl.policies import share_types as policy


class ExtraSpecsController(rest.RestController):
    """/v2/types/{type_id}/extra_specs"""

    @method.expose()
    def get_all(self, type_id):
        api.context().can(policy.SHARE_TYPES_EXTRA_SPEC_INDEX)
        return views.extra_specs(
            share_types.extra_specs(share_types.get(type_id)))

    @method.expose()
    def get_one(self, type_id, key):
        api.context().can(policy.SHARE_TYPES_EXTRA_SPEC_SHOW)
        specs = share_types.extra_specs(share_types.get(type_id))
        if key not in specs:
            raise exception.ExtraSpecNotFound(share_type_id=type_id, key=key)
        return {key: specs[key]}

    @method.expose()
    @validation.schema(schema.set_extra_specs)
    def post(self, type_id, *, body=None):
        api.context().can(policy.SHARE_TYPES_EXTRA_SPEC_CREATE)
        specs = share_types.set_extra_specs(type_id, body['extra_specs'])
        # Manila answers with the specs it was sent.
        return views.extra_specs({k: specs[k] for k in body['extra_specs']})

    @method.expose()
    @validation.schema(schema.update_extra_spec)
    def put(self, type_id, key, *, body=None):
        api.context().can(policy.SHARE_TYPES_EXTRA_SPEC_UPDATE)
        if key not in body:
            raise exception.InvalidInput(reason='request body and URI '
                                                'mismatch')
        specs = share_types.set_extra_specs(type_id, body)
        return {key: specs[key]}

    @method.expose(202)
    def delete(self, type_id, key):
        api.context().can(policy.SHARE_TYPES_EXTRA_SPEC_DELETE)
        share_types.delete_extra_spec(type_id, key)


def _is_public_filter(ctx):
    """Admins may list private types (is_public=false or all)."""
    if not ctx.is_admin:
        return True
    value = pecan.request.GET.get('is_public')
    if value is None or value == '':
        return True
    if value.lower() == 'all':
        return None
    return validation.bool_param('is_public', value)


class ShareTypesController(rest.RestController):
    """/v2/types"""

    extra_specs = ExtraSpecsController()

    @method.expose()
    def get_all(self):
        ctx = api.context()
        ctx.can(policy.SHARE_TYPE_INDEX)
        types = share_types.list_types(is_public=_is_public_filter(ctx))
        return views.index(types, ctx.is_admin)

    @method.expose()
    def get_one(self, type_id):
        ctx = api.context()
        ctx.can(policy.SHARE_TYPE_SHOW)
        share_type = share_types.get(type_id)
        if not share_type.is_public and not ctx.is_admin:
            raise exception.ShareTypeNotFound(share_type_id=type_id)
        return views.show(share_type, ctx.is_admin)

    @method.expose()
    @validation.schema(schema.create)
    def post(self, *, body=None):
        ctx = api.context()
        ctx.can(policy.SHARE_TYPE_CREATE)
        req = body['share_type']
        is_public = req.get('share_type_access:is_public',
                            req.get('os-share-type-access:is_public', True))
        if not isinstance(is_public, bool):
            is_public = validation.bool_param('is_public', is_public)
        description = (req.get('description')
                       if microversion.at_least('2.41') else None)
        share_type = share_types.create(
            req['name'], req['extra_specs'], is_public=is_public,
            description=description)
        return views.show(share_type, ctx.is_admin)

    @method.expose(202)
    def delete(self, type_id):
        api.context().can(policy.SHARE_TYPE_DELETE)
        share_types.delete(type_id)
