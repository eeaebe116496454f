from oslo_config import cfg

group = cfg.OptGroup('message', title='User message options')

opts = [
    cfg.IntOpt('message_ttl', default=2592000, min=1,
               help='Seconds a user message (GET /v2/messages: why an '
                    'asynchronous operation failed) is kept; after that it '
                    'is no longer shown and the scheduler deletes it.'),
    cfg.IntOpt('message_reap_interval', default=86400, min=1,
               help='Seconds between two purges of expired user messages '
                    'by each manila-repl-scheduler.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
