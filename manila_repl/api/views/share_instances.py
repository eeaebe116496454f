"""Share instances (administrators)."""
from manila_repl.api.views import timestamp


def detail(instance, share_type_id, version):
    view = {
        'id': instance.id,
        'share_id': instance.share_id,
        'availability_zone': instance.availability_zone,
        'created_at': timestamp(instance.created_at),
        'host': instance.host,
        'status': instance.status,
        'share_network_id': None,
        'share_server_id': None,
    }
    if version < (2, 9):
        paths = [e.path for e in instance.export_locations]
        view['export_location'] = paths[0] if paths else None
        view['export_locations'] = paths
    if version >= (2, 10):
        view['access_rules_status'] = 'active'
    if version >= (2, 11):
        view['replica_state'] = instance.replica_state
    if version >= (2, 22):
        view['share_type_id'] = share_type_id
    if version >= (2, 30):
        view['cast_rules_to_readonly'] = bool(instance.cast_rules_to_readonly)
    if version >= (2, 54):
        view['progress'] = ('100%' if instance.status == 'available'
                            else None)
    if version >= (2, 69):
        view['is_soft_deleted'] = False
        view['scheduled_to_be_deleted_at'] = None
    if version >= (2, 71):
        view['updated_at'] = timestamp(instance.updated_at)
    return view


def show(instance, share_type_id, version):
    return {'share_instance': detail(instance, share_type_id, version)}


def index(instances, version):
    return {'share_instances': [
        detail(i, i.share.share_type_id, version) for i in instances]}
