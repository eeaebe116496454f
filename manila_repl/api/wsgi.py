"""``application`` for gunicorn or uwsgi:

    gunicorn --threads 16 manila_repl.api.wsgi:application

Configuration files: MANILA_REPL_CONFIG_FILES (comma separated) or
MANILA_REPL_CONFIG_FILE, else /etc/manila-repl/manila-repl.conf when it
exists (wsgi_config.py). For the metrics of every worker, see
gunicorn_conf.py.
"""
from oslo_log import log as logging

from manila_repl.api import wsgi_config
from manila_repl.conf import CONF


def init_application():
    try:
        from manila_repl.cmd import init_backend
    except ImportError:
        init_backend = None
    if init_backend is not None:
        init_backend()
        from manila_repl.cmd import keep_templating_out
        keep_templating_out()
    try:
        from manila_repl.cmd import common
    except ImportError:
        common = None
    if common is not None:
        # Parses no command line: gunicorn's and uwsgi's are not ours.
        common.prepare(['manila-repl-api'], 'manila-repl-api',
                       default_config_files=wsgi_config.config_files())
    else:
        logging.register_options(CONF)
        CONF([], project='manila-repl',
             default_config_files=wsgi_config.config_files())
        logging.setup(CONF, 'manila-repl-api')
    from manila_repl.api import app
    return app.setup_app(CONF)


application = init_application()
