from manila_repl.api.views import timestamp


def service(row, state):
    return {
        'id': row.id,
        'binary': row.binary,
        'host': row.host,
        'zone': row.availability_zone,
        'status': 'disabled' if row.disabled else 'enabled',
        'state': state,
        'updated_at': timestamp(row.updated_at),
    }


def index(services):
    """``services``: (row, state) pairs."""
    return {'services': [service(row, state) for row, state in services]}
