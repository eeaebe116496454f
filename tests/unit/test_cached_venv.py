"""The cached venvs the Keystone and tempest tests build (no network: an
empty requirements file, and one pip must refuse)."""
import os

import pytest

from tests import cached_venv


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('MANILA_REPL_CACHE', str(tmp_path / 'cache'))
    return tmp_path / 'cache'


def test_built_once_and_keyed_by_the_requirements(tmp_path, cache):
    requirements = tmp_path / 'requirements.txt'
    requirements.write_text('# nothing to install\n')
    path = cached_venv.ensure('tool', str(requirements))
    assert os.path.dirname(path) == str(cache)
    assert os.access(os.path.join(path, 'bin', 'python'), os.X_OK)
    assert cached_venv.build_seconds(path) >= 0
    marker = os.path.join(path, cached_venv.READY)
    built = os.stat(marker).st_mtime_ns
    assert cached_venv.ensure('tool', str(requirements)) == path
    assert os.stat(marker).st_mtime_ns == built
    requirements.write_text('# another pin\n')
    assert cached_venv.venv_path('tool', str(requirements)) != path


def test_half_built_is_rebuilt_and_a_failed_build_leaves_nothing(
        tmp_path, cache):
    requirements = tmp_path / 'requirements.txt'
    requirements.write_text('# nothing\n')
    path = cached_venv.venv_path('tool', str(requirements))
    os.makedirs(os.path.join(path, 'leftover'))     # an interrupted build
    assert cached_venv.ensure('tool', str(requirements)) == path
    assert not os.path.exists(os.path.join(path, 'leftover'))
    bad = tmp_path / 'bad.txt'
    bad.write_text('%s\n' % (tmp_path / 'no-such-package.whl'))
    with pytest.raises(cached_venv.BuildError, match='pip install'):
        cached_venv.ensure('tool', str(bad))
    assert not os.path.exists(cached_venv.venv_path('tool', str(bad)))
