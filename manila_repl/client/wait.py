"""--wait: poll a resource until it settles, showing its state changes.

On a terminal one progress line is rewritten in place with the elapsed
seconds; otherwise each change of state is one plain line. Progress goes to
stderr, so that stdout stays the command's output (table, json, ...).
"""
import sys
import time

from manila_repl.client import http
from manila_repl.client import messages

DEFAULT_INTERVAL = 0.5
DEFAULT_TIMEOUT = 300.0


class WaitError(http.ClientError):
    """The resource landed in an error state, or the wait timed out."""


def add_arguments(parser, what='the operation'):
    parser.add_argument(
        '--wait', action='store_true',
        help='wait until %s finishes, showing state changes; exit 1 if it '
             'ends in an error state' % what)
    parser.add_argument(
        '--timeout', type=float, default=DEFAULT_TIMEOUT, metavar='SECONDS',
        help='with --wait, give up after this long (default %(default)s)')


class Progress:
    """Shows state changes on ``stream``."""

    def __init__(self, what, stream=None, tty=None):
        self.what = what
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.last = None
        self.width = 0

    def show(self, state, elapsed):
        if self.tty:
            line = '%s: %s (%.0fs)' % (self.what, state, elapsed)
            pad = ' ' * max(0, self.width - len(line))
            self.width = len(line)
            self.stream.write('\r' + line + pad)
            self.stream.flush()
        elif state != self.last:
            self.stream.write('[%5.1fs] %s: %s\n' % (elapsed, self.what,
                                                     state))
            self.stream.flush()
        self.last = state

    def end(self):
        if self.tty and self.width:
            self.stream.write('\n')
            self.stream.flush()
            self.width = 0


def wait_for(fetch, describe, done, failed, what, timeout=DEFAULT_TIMEOUT,
             interval=DEFAULT_INTERVAL, gone_is_done=False, progress=None,
             clock=time.monotonic, sleep=time.sleep, explain=None):
    """Poll ``fetch()`` until ``done(resource)``; returns the resource.

    :param describe: resource -> the state to show, e.g.
        ``"available / in_sync"``.
    :param failed: resource -> None, or the error to report (the resource's
        status and the service's message).
    :param gone_is_done: a 404 ends the wait successfully (deletes);
        ``fetch`` raising :class:`http.NotFound` then returns None.
    :param explain: resource -> the service's user message about why it
        failed (``explained``), or None.
    :raises WaitError: on an error state or a timeout.
    """
    progress = progress or Progress(what)
    start = clock()
    try:
        while True:
            elapsed = clock() - start
            try:
                resource = fetch()
            except http.NotFound:
                if not gone_is_done:
                    raise
                progress.show('deleted', elapsed)
                return None
            progress.show(describe(resource), elapsed)
            error = failed(resource)
            if error:
                raise WaitError(explained('%s: %s' % (what, error),
                                          explain and explain(resource)))
            if done(resource):
                return resource
            if elapsed + interval > timeout:
                raise WaitError(
                    'timed out after %gs waiting for %s (last state: %s)'
                    % (timeout, what, progress.last))
            sleep(interval)
    finally:
        progress.end()


def explained(error, user_message):
    """One line: the error, then the service's user message about it."""
    return '%s -- %s' % (error, user_message) if user_message else error


def newest_message(app, resource_id):
    """What ``explain`` answers for ``resource_id``: the newest user
    message about it (GET /v2/messages), or None."""
    return messages.newest(app.session, resource_id)


def _describe_status(resource):
    return resource.get('status') or '?'


def failure(resource, error_states, key='status'):
    """None, or '<status> <message>' when the resource is in error."""
    value = resource.get(key)
    if value not in error_states:
        return None
    message = resource.get('status_message')
    if message:
        return '%s is %s: %s' % (key, value, message)
    return '%s is %s' % (key, value)


def until_status(app, args, fetch, what, target='available',
                 errors=('error',), describe=_describe_status, done=None,
                 failed=None, gone_is_done=False):
    """Wait as the command's --wait/--timeout and the app's
    --poll-interval say; ``target`` (or ``done``) ends it."""
    return wait_for(
        fetch, describe,
        done or (lambda r: r.get('status') == target),
        failed or (lambda r: failure(r, errors)),
        what, timeout=args.timeout, interval=app.options.poll_interval,
        gone_is_done=gone_is_done,
        explain=lambda r: newest_message(app, r.get('id')))
