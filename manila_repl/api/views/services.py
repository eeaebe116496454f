from manila_repl.api.views import timestamp

#: Our process names (logs, ps, the services table) and Manila's, which
#: clients filter on (tempest looks for ``manila-share`` to find zones).
_OURS = 'manila-repl-'
_MANILAS = 'manila-'


def wire_binary(binary):
    """``manila-repl-share`` -> ``manila-share``."""
    if binary.startswith(_OURS):
        return _MANILAS + binary[len(_OURS):]
    return binary


def stored_binary(binary):
    """What a ``binary`` filter from a client names in our table."""
    if binary.startswith(_MANILAS) and not binary.startswith(_OURS):
        return _OURS + binary[len(_MANILAS):]
    return binary


def service(row, state):
    view = {
        'id': row.id,
        'binary': wire_binary(row.binary),
        'host': row.host,
        'zone': row.availability_zone,
        'status': 'disabled' if row.disabled else 'enabled',
        'state': state,
        'updated_at': timestamp(row.updated_at),
    }
    if row.state_reason:
        # Not in Manila's view: why a share backend reports itself down.
        view['state_reason'] = row.state_reason
    return view


def index(services):
    """``services``: (row, state) pairs."""
    return {'services': [service(row, state) for row, state in services]}
