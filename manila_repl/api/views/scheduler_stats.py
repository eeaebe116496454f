"""Pools as the scheduler reports them."""


def pool(item, detail):
    name = item.get('name') or ''
    host = item.get('host')
    backend = item.get('backend')
    pool_name = item.get('pool')
    if host is None or backend is None or pool_name is None:
        # "host@backend#pool"
        backend_part, _sep, parsed_pool = name.partition('#')
        parsed_host, _sep, parsed_backend = backend_part.partition('@')
        host = parsed_host if host is None else host
        backend = parsed_backend if backend is None else backend
        pool_name = parsed_pool if pool_name is None else pool_name
    view = {'name': name, 'host': host, 'backend': backend,
            'pool': pool_name}
    if detail:
        view['capabilities'] = item.get('capabilities') or {}
    return view


def index(pools, detail=False):
    return {'pools': [pool(p, detail) for p in pools]}
