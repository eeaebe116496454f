"""Export locations of a share, a replica or an instance."""
from manila_repl.api.views import timestamp


def export_location(location, is_admin, version, detail=False,
                    instance=None):
    """One location; ``instance`` adds replica_state and AZ (replicas)."""
    view = {'id': location.uuid, 'path': location.path}
    if version >= (2, 14):
        view['preferred'] = location.preferred
    if version >= (2, 87):
        # Manila's metadata less 'preferred'; drivers set no other key.
        view['metadata'] = {}
    if instance is not None:
        view['replica_state'] = instance.replica_state
        view['availability_zone'] = instance.availability_zone
    if is_admin:
        view['share_instance_id'] = location.share_instance_id
        view['is_admin_only'] = location.is_admin_only
    if detail:
        view['created_at'] = timestamp(location.created_at)
        view['updated_at'] = timestamp(location.updated_at)
    return view


def visible(locations, is_admin):
    return [loc for loc in locations if is_admin or not loc.is_admin_only]


def index(locations, is_admin, version, instance=None):
    return {'export_locations': [
        export_location(loc, is_admin, version, instance=instance)
        for loc in visible(locations, is_admin)]}


def show(location, is_admin, version, instance=None):
    return {'export_location': export_location(
        location, is_admin, version, detail=True, instance=instance)}
