"""Share types: both ``share_type`` and ``volume_type`` keys, as Manila."""
from manila_repl import share_types as types_db
from manila_repl.api import microversion


def _visible_specs(specs, is_admin):
    if is_admin:
        return specs
    return {k: v for k, v in specs.items()
            if k in types_db.TENANT_VISIBLE_SPECS}


def brief(share_type, is_admin, version=None):
    version = version or microversion.current()
    specs = _visible_specs(types_db.extra_specs(share_type), is_admin)
    required = {k: v for k, v in specs.items()
                if k in types_db.REQUIRED_SPECS}
    view = {
        'id': share_type.id,
        'name': share_type.name,
        'extra_specs': specs,
        'required_extra_specs': required,
    }
    if version >= (2, 7):
        view['share_type_access:is_public'] = share_type.is_public
    else:
        view['os-share-type-access:is_public'] = share_type.is_public
    if version >= (2, 41):
        view['description'] = share_type.description
    if version >= (2, 46):
        view['is_default'] = False
    return view


def show(share_type, is_admin):
    view = brief(share_type, is_admin)
    return {'share_type': view, 'volume_type': view}


def index(share_types, is_admin):
    version = microversion.current()
    views = [brief(t, is_admin, version) for t in share_types]
    return {'share_types': views, 'volume_types': views}


def extra_specs(specs):
    return {'extra_specs': specs}
