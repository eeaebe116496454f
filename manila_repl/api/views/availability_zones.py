from manila_repl.api.views import timestamp


def index(zones):
    return {'availability_zones': [{
        'id': z.id,
        'name': z.name,
        'created_at': timestamp(z.created_at),
        'updated_at': timestamp(z.updated_at),
    } for z in zones]}
