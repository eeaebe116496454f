"""oslo.middleware's options the API uses, with our defaults: CORS
([cors]), proxy headers ([oslo_middleware]) and the healthcheck
([healthcheck]). Registered by the API only (api/app.py): the other
daemons never import oslo.middleware."""

#: Headers a browser client may send and read (CORS).
CORS_ALLOW_HEADERS = ['X-Auth-Token', 'X-OpenStack-Request-ID',
                      'X-OpenStack-Manila-API-Version',
                      'X-OpenStack-Manila-API-Experimental',
                      'Content-Type']
CORS_EXPOSE_HEADERS = ['X-OpenStack-Request-ID', 'X-Compute-Request-ID',
                       'X-OpenStack-Manila-API-Version',
                       'X-OpenStack-Manila-API-Experimental']
CORS_ALLOW_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']
HEALTHCHECK_BACKENDS = ['manila_repl_database', 'manila_repl_message_bus']


def _groups():
    from oslo_config import cfg
    from oslo_middleware import cors
    from oslo_middleware.healthcheck import opts as healthcheck_opts
    from oslo_middleware import http_proxy_to_wsgi

    cors.set_defaults(allow_headers=CORS_ALLOW_HEADERS,
                      expose_headers=CORS_EXPOSE_HEADERS,
                      allow_methods=CORS_ALLOW_METHODS)
    cfg.set_defaults(healthcheck_opts.HEALTHCHECK_OPTS,
                     backends=HEALTHCHECK_BACKENDS)
    return {'cors': cors.CORS_OPTS,
            'oslo_middleware': http_proxy_to_wsgi.OPTS,
            'healthcheck': healthcheck_opts.HEALTHCHECK_OPTS}


def register_opts(conf):
    for group, opts in _groups().items():
        conf.register_opts(opts, group=group)


def list_opts():
    return _groups()
