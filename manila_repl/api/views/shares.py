"""Shares. A share's status, host and AZ are its active instance's (or,
without replication, its first instance's)."""
from oslo_utils import strutils

from manila_repl import constants as c
from manila_repl.api.views import links, timestamp, with_count


def primary_instance(share):
    first = None
    for instance in share.instances:
        if instance.replica_state == c.REPLICA_STATE_ACTIVE:
            return instance
        first = first or instance
    return first


def _spec_bool(specs, key):
    value = specs.get(key)
    return (strutils.bool_from_string(value, default=False)
            if value is not None else False)


def summary(request, share):
    return {'id': share.id, 'name': share.display_name,
            'links': links(request, 'shares', share.id, share.project_id)}


def detail(request, share, is_admin, version, rules_status=None):
    """:param rules_status: {share_id: access_rules_status} (from
        share/access_api.rules_status); a share absent reads active."""
    instance = primary_instance(share)
    share_type = share.share_type
    type_name = share_type.name if share_type else None
    specs = ({e.spec_key: e.spec_value for e in share_type.extra_specs}
             if share_type else {})
    view = {
        'id': share.id,
        'size': share.size,
        'availability_zone': instance.availability_zone if instance else None,
        'created_at': timestamp(share.created_at),
        'status': instance.status if instance else None,
        'name': share.display_name,
        'description': share.display_description,
        'project_id': share.project_id,
        'snapshot_id': share.snapshot_id,
        'share_network_id': None,
        'share_proto': share.share_proto,
        'metadata': dict(share.metadata_ or {}),
        'share_type': type_name,
        'volume_type': type_name,
        'links': links(request, 'shares', share.id, share.project_id),
        'is_public': bool(share.is_public),
    }
    if version < (2, 9):
        paths = ([e.path for e in instance.export_locations]
                 if instance else [])
        view['export_location'] = paths[0] if paths else None
        view['export_locations'] = paths
    if version >= (2, 2):
        view['snapshot_support'] = _spec_bool(specs, 'snapshot_support')
    if version >= (2, 5):
        view['task_state'] = share.task_state
    if version >= (2, 6):
        view['share_type'] = share.share_type_id
        view['share_type_name'] = type_name
    if version >= (2, 10):
        view['access_rules_status'] = (rules_status or {}).get(
            share.id, 'active')
    if version >= (2, 11):
        view['replication_type'] = share.replication_type
        view['has_replicas'] = len(share.instances) > 1
    if version >= (2, 16):
        view['user_id'] = share.user_id
    if version >= (2, 24):
        view['create_share_from_snapshot_support'] = _spec_bool(
            specs, 'create_share_from_snapshot_support')
    if version >= (2, 27):
        view['revert_to_snapshot_support'] = _spec_bool(
            specs, 'revert_to_snapshot_support')
    if version >= (2, 31):
        view['share_group_id'] = None
        view['source_share_group_snapshot_member_id'] = None
    if version >= (2, 32):
        view['mount_snapshot_support'] = _spec_bool(
            specs, 'mount_snapshot_support')
    if version >= (2, 54):
        view['progress'] = ('100%' if view['status'] == c.STATUS_AVAILABLE
                            else None)
    if version >= (2, 69):
        view['is_soft_deleted'] = False
        view['scheduled_to_be_deleted_at'] = None
    if is_admin:
        view['share_server_id'] = None
        view['host'] = instance.host if instance else None
    return view


def show(request, share, is_admin, version, rules_status=None):
    return {'share': detail(request, share, is_admin, version,
                            rules_status)}


def summary_list(request, shares, count=None):
    return with_count({'shares': [summary(request, s) for s in shares]},
                      count)


def detail_list(request, shares, is_admin, version, rules_status=None,
                count=None):
    return with_count({'shares': [
        detail(request, s, is_admin, version, rules_status)
        for s in shares]}, count)
