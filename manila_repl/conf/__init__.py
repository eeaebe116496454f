"""Configuration: one module per option group, all registered on CONF.

The daemons use the global ``cfg.CONF`` because oslo.messaging registers
some of its own options there only.
"""
from oslo_config import cfg

from manila_repl.conf import api
from manila_repl.conf import backend
from manila_repl.conf import coordination
from manila_repl.conf import database
from manila_repl.conf import default
from manila_repl.conf import message
from manila_repl.conf import metrics
from manila_repl.conf import quota
from manila_repl.conf import scheduler
from manila_repl.conf import share

CONF = cfg.CONF

default.register_opts(CONF)
api.register_opts(CONF)
database.register_opts(CONF)
scheduler.register_opts(CONF)
share.register_opts(CONF)
quota.register_opts(CONF)
message.register_opts(CONF)
coordination.register_opts(CONF)
metrics.register_opts(CONF)

# Per-backend sections are registered on demand, by backend name.
backend_config = backend.backend_config
