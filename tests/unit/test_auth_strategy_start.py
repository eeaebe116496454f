"""auth_strategy = keystone without keystonemiddleware: the API refuses to
start with one line naming the extra to install."""
import subprocess
import sys

import pytest

# keystonemiddleware is hidden the way a missing package fails: ImportError.
_START = ("import sys; sys.modules['keystonemiddleware'] = None; "
          "from manila_repl.cmd import {0}; {0}.main(sys.argv)")


@pytest.mark.parametrize('command', ['api', 'all'])
def test_keystone_without_keystonemiddleware_refuses_to_start(
        tmp_path, command):
    config = tmp_path / 'manila-repl.conf'
    config.write_text('[DEFAULT]\nstate_path = %s\n[api]\n'
                      'auth_strategy = keystone\nbind_port = 1\n' % tmp_path)
    result = subprocess.run(
        [sys.executable, '-c', _START.format(command), '--config-file',
         str(config)], capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("manila-repl-%s: [api]/auth_strategy = keystone needs "
                    "keystonemiddleware: pip install "
                    "'manila-repl[keystone]'" % command)
    assert 'Traceback' not in result.stderr
