"""manila-repl: the command line client (a cliff App).

Commands are registered by entry point in the ``manila_repl.cli``
namespace ('replica_list' is ``manila-repl replica list``). The endpoint
and token come from --endpoint/MANILA_REPL_ENDPOINT and
--token/MANILA_REPL_TOKEN; when keystoneauth1's OS_AUTH_TYPE or
OS_AUTH_URL (or --os-auth-type/--os-auth-url) is given, a Keystone session
finds the ``sharev2`` endpoint in the catalog instead (unless --endpoint or
MANILA_REPL_ENDPOINT names one).
"""
import os
import sys

from cliff import app
from cliff import commandmanager

from manila_repl.client import http
from manila_repl.client import wait

NAMESPACE = 'manila_repl.cli'


def _version():
    try:
        from importlib import metadata
        return metadata.version('manila-repl')
    except Exception:
        return 'unknown'


def keystone_requested(argv, environ):
    """True when the user asked for keystoneauth1 (an auth type or URL)."""
    names = ('--os-auth-type', '--os-auth-plugin', '--os-auth-url')
    if any(a.split('=', 1)[0] in names for a in argv):
        return True
    return bool(environ.get('OS_AUTH_TYPE') or environ.get('OS_AUTH_PLUGIN')
                or environ.get('OS_AUTH_URL'))


def register_keystone_arguments(parser, argv, environ):
    """keystoneauth1's --os-* options; 'password' when only a URL is given.

    Returns True when Keystone is in use."""
    from keystoneauth1 import loading
    use = keystone_requested(argv, environ)
    loading.register_auth_argparse_arguments(
        parser, argv, default='password' if use else None)
    # Not loading.register_session_argparse_arguments: its --timeout and
    # --cert would swallow the commands' own options of those names.
    parser.add_argument('--os-cacert', metavar='<ca-bundle>',
                        default=environ.get('OS_CACERT'),
                        help='CA bundle to verify TLS (env OS_CACERT)')
    parser.add_argument('--insecure', action='store_true',
                        default=bool(environ.get('OS_INSECURE')),
                        help='do not verify TLS certificates')
    parser.add_argument('--os-interface',
                        default=environ.get('OS_INTERFACE', 'public'),
                        help='endpoint interface in the catalog '
                             '(env OS_INTERFACE, default public)')
    parser.add_argument('--os-region-name',
                        default=environ.get('OS_REGION_NAME'),
                        help='region in the catalog (env OS_REGION_NAME)')
    return use


def make_session(options, environ=None):
    """The http.Session the options ask for."""
    environ = os.environ if environ is None else environ
    endpoint = options.endpoint or environ.get('MANILA_REPL_ENDPOINT')
    token = options.token or environ.get('MANILA_REPL_TOKEN')
    timeout = options.http_timeout
    if getattr(options, 'os_auth_type', None):
        from keystoneauth1 import loading
        from keystoneauth1 import session as ks
        auth = loading.load_auth_from_argparse_arguments(options)
        verify = False if options.insecure else (options.os_cacert or True)
        ks_session = ks.Session(auth=auth, verify=verify)
        if options.os_auth_type in ('none', 'noauth') and not endpoint:
            endpoint = http.DEFAULT_ENDPOINT
        return http.Session(endpoint=endpoint, auth_session=ks_session,
                            timeout=timeout, interface=options.os_interface,
                            region_name=options.os_region_name)
    return http.Session(endpoint=endpoint or http.DEFAULT_ENDPOINT,
                        token=token, timeout=timeout)


class ManilaReplApp(app.App):
    """Replicated shares: types, shares, replicas, snapshots, access rules,
    quotas, pools, services and availability zones over Manila's v2 API."""

    argv = ()
    environ = os.environ

    def __init__(self):
        super().__init__(
            description=(self.__doc__ or '').strip(),
            version=_version(),
            command_manager=commandmanager.CommandManager(NAMESPACE),
            deferred_help=True)
        self._session = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--endpoint', metavar='URL',
            help='the v2 endpoint (env MANILA_REPL_ENDPOINT, default %s)'
                 % http.DEFAULT_ENDPOINT)
        parser.add_argument(
            '--token', metavar='TOKEN',
            help="X-Auth-Token to send (env MANILA_REPL_TOKEN); with noauth "
                 "'user:project'")
        parser.add_argument(
            '--poll-interval', type=float, metavar='SECONDS',
            default=float(self.environ.get('MANILA_REPL_POLL_INTERVAL',
                                           wait.DEFAULT_INTERVAL)),
            help='how often --wait polls (env MANILA_REPL_POLL_INTERVAL, '
                 'default %(default)s)')
        parser.add_argument(
            '--http-timeout', type=float, default=60, metavar='SECONDS',
            help='timeout of one HTTP request (default %(default)s)')
        register_keystone_arguments(parser, list(self.argv), self.environ)
        return parser

    @property
    def session(self):
        if self._session is None:
            self._session = make_session(self.options, self.environ)
        return self._session

    def project_id(self):
        """The caller's project: from a noauth token, or Keystone."""
        session = self.session
        if session.auth_session is not None:
            return session.auth_session.get_project_id()
        token = session.token or ''
        if ':' in token:
            user, _sep, project = token.partition(':')
            return project or user
        return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ManilaReplApp.argv = tuple(argv)
    try:
        return ManilaReplApp().run(list(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
