"""Share types and their extra specs: database queries, no RPC.

The REST API manages them; the scheduler and the share API resolve them.
Extra spec values are stored as strings, as in Manila.
"""
import sqlalchemy as sa
from oslo_utils import strutils
from sqlalchemy import exc as sa_exc

from manila_repl import constants as c
from manila_repl import exception
from manila_repl.db import models, session

ShareType = models.ShareType
ExtraSpec = models.ShareTypeExtraSpec

DHSS = 'driver_handles_share_servers'
#: Specs every type must have.
REQUIRED_SPECS = (DHSS,)
#: Specs whose value must read as a boolean.
BOOLEAN_SPECS = (DHSS, 'snapshot_support',
                 'create_share_from_snapshot_support',
                 'revert_to_snapshot_support', 'mount_snapshot_support')
#: Specs a non-admin caller may see.
TENANT_VISIBLE_SPECS = BOOLEAN_SPECS + ('replication_type',
                                        'availability_zones')


def spec_value(value):
    """Extra spec values are strings; JSON booleans become True/False."""
    return value if isinstance(value, str) else str(value)


def validate_extra_specs(specs, required=True):
    """Check (already stringified) specs; raise InvalidInput on error."""
    if required:
        missing = [k for k in REQUIRED_SPECS if k not in specs]
        if missing:
            raise exception.InvalidInput(
                reason='required extra specs missing: ' + ', '.join(missing))
    for key, value in specs.items():
        if not key or len(key) > 255 or len(value) > 255:
            raise exception.InvalidInput(
                reason='extra spec keys and values must be 1 to 255 '
                       'characters long')
        if key in BOOLEAN_SPECS:
            try:
                strutils.bool_from_string(value, strict=True)
            except ValueError:
                raise exception.InvalidInput(
                    reason=f'extra spec {key} must be a boolean (true or '
                           f'false), not {value!r}')
        if key == 'replication_type' and value not in c.REPLICATION_TYPES:
            raise exception.InvalidInput(
                reason='replication_type must be one of {}, not {!r}'.format(
                    ', '.join(c.REPLICATION_TYPES), value))


def extra_specs(share_type):
    return {e.spec_key: e.spec_value for e in share_type.extra_specs}


def extra_specs_of(r, share_type_id):
    """{key: value} of a type by id, one narrow SELECT ({} for None)."""
    if share_type_id is None:
        return {}
    Spec = models.ShareTypeExtraSpec
    return dict(r.execute(sa.select(Spec.spec_key, Spec.spec_value).where(
        Spec.share_type_id == share_type_id)).all())


def create(name, specs, is_public=True, description=None):
    name = (name or '').strip()
    if not name:
        raise exception.InvalidInput(
            reason='a share type name must not be empty or blank')
    specs = {k: spec_value(v) for k, v in (specs or {}).items()}
    validate_extra_specs(specs)
    try:
        with session.transaction() as s:
            if s.scalar(sa.select(ShareType.id)
                        .where(ShareType.name == name)) is not None:
                raise exception.ShareTypeExists(name=name)
            share_type = ShareType(name=name, description=description,
                                   is_public=is_public)
            share_type.extra_specs = [ExtraSpec(spec_key=k, spec_value=v)
                                      for k, v in specs.items()]
            s.add(share_type)
            s.flush()
            type_id = share_type.id
    except sa_exc.IntegrityError:
        raise exception.ShareTypeExists(name=name)
    return get(type_id)


def get(type_id, s=None):
    """A type by id (with its extra specs), or ShareTypeNotFound."""
    query = sa.select(ShareType).where(ShareType.id == type_id)
    if s is not None:
        found = s.scalars(query).first()
    else:
        with session.reader() as r:
            found = r.scalars(query).first()
    if found is None:
        raise exception.ShareTypeNotFound(share_type_id=type_id)
    return found


def get_by_name_or_id(name_or_id):
    with session.reader() as r:
        found = r.scalars(sa.select(ShareType).where(
            sa.or_(ShareType.id == name_or_id,
                   ShareType.name == name_or_id))
            .order_by(ShareType.id == name_or_id)).all()
    if not found:
        raise exception.ShareTypeNotFound(share_type_id=name_or_id)
    # An id match wins over a name match.
    return found[-1]


def list_types(is_public=True):
    """Types ordered by name; ``is_public`` None means all."""
    query = sa.select(ShareType).order_by(ShareType.name)
    if is_public is not None:
        query = query.where(ShareType.is_public == bool(is_public))
    with session.reader() as r:
        return r.scalars(query).all()


def delete(type_id):
    with session.transaction() as s:
        share_type = get(type_id, s)
        in_use = s.scalar(sa.select(models.Share.id).where(
            models.Share.share_type_id == type_id).limit(1))
        if in_use is not None:
            raise exception.ShareTypeInUse(share_type_id=type_id)
        s.delete(share_type)


def set_extra_specs(type_id, specs):
    """Add or change specs; returns every spec of the type."""
    specs = {k: spec_value(v) for k, v in specs.items()}
    validate_extra_specs(specs, required=False)
    with session.transaction() as s:
        share_type = get(type_id, s)
        current = {e.spec_key: e for e in share_type.extra_specs}
        for key, value in specs.items():
            if key in current:
                current[key].spec_value = value
            else:
                share_type.extra_specs.append(
                    ExtraSpec(spec_key=key, spec_value=value))
        s.flush()
        return extra_specs(share_type)


def delete_extra_spec(type_id, key):
    if key in REQUIRED_SPECS:
        raise exception.NotAuthorized(
            f'Extra spec {key} is required and cannot be deleted.')
    with session.transaction() as s:
        share_type = get(type_id, s)
        for spec in share_type.extra_specs:
            if spec.spec_key == key:
                share_type.extra_specs.remove(spec)
                return
        raise exception.ExtraSpecNotFound(share_type_id=type_id, key=key)
