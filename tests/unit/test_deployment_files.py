"""The sample configs and systemd units shipped in etc/ (and installed as
package data): each config parses with oslo.config, names only options
that exist, and its share backends load their drivers; each unit runs an
installed script with a shipped config, and passes
``systemd-analyze verify``."""
import configparser
import importlib.util
import pathlib
import shlex
import shutil
import subprocess
import sys

import pytest
from oslo_config import cfg

from manila_repl.conf import backend as backend_conf
from manila_repl.conf import opts as our_opts
from manila_repl.share import manager
from tests.functional import services

ROOT = pathlib.Path(__file__).resolve().parents[2]
ETC = ROOT / 'etc'
CONFIGS = sorted(p.name for p in ETC.glob('manila-repl-*.conf'))
UNITS = sorted((ETC / 'systemd').glob('*.service'))
#: Where the units expect the venv (README.rst: Deploying).
VENV_BIN = '/opt/manila-repl/bin'
#: Groups whose options other libraries register at run time.
UNCHECKED = {'keystone_authtoken'}


def _conf():
    from oslo_messaging import opts as messaging_opts

    conf = cfg.ConfigOpts()
    for group, group_opts in our_opts.list_opts():
        if group == 'DEFAULT':
            conf.register_cli_opts([o for o in group_opts
                                    if o.name == 'state-path'])
            conf.register_opts([o for o in group_opts
                                if o.name != 'state-path'])
        elif group != '<backend>':
            conf.register_opts(group_opts, group=group)
    for group, group_opts in messaging_opts.list_opts():
        conf.register_opts(group_opts, group=group)
    return conf


def _sections(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_there_are_samples_for_every_daemon():
    assert set(CONFIGS) >= {
        'manila-repl-api.conf', 'manila-repl-scheduler.conf',
        'manila-repl-share-localdir.conf', 'manila-repl-share-btrfs.conf'}
    assert {u.name for u in UNITS} == {
        'manila-repl-api.service', 'manila-repl-scheduler.service',
        'manila-repl-share.service'}


@pytest.mark.parametrize('name', CONFIGS)
def test_sample_config_parses_and_loads_its_drivers(name):
    conf = _conf()
    conf([], project='manila-repl', default_config_files=[str(ETC / name)])
    backends = list(conf.share.enabled_share_backends)
    for backend in backends:
        driver = manager.load_driver(backend, conf)
        assert driver.backend_name == backend
        assert conf[backend].share_driver != 'fake', \
            'samples show real drivers'
    parser = _sections(ETC / name)
    for section in parser.sections() + ['DEFAULT']:
        if section in UNCHECKED:
            continue
        group = None if section == 'DEFAULT' else section
        if section not in ('DEFAULT',) and section not in conf:
            backend_conf.backend_config(conf, section)
        values = (parser.defaults() if section == 'DEFAULT' else
                  {k: v for k, v in parser.items(section)
                   if k not in parser.defaults()})
        for key in values:
            # Unknown options would be ignored silently: a typo.
            value = conf[key] if group is None else conf[group][key]
            assert value is not None or values[key] == '', (section, key)


def _exec_start(unit):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(unit)
    return parser, shlex.split(parser['Service']['ExecStart'])


def _console_scripts():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / 'setup.cfg')
    return {line.split('=')[0].strip() for line in
            parser['options.entry_points']['console_scripts'].splitlines()
            if line.strip()}


@pytest.mark.parametrize('unit', UNITS, ids=lambda u: u.name)
def test_unit_runs_an_installed_script_with_a_shipped_config(unit):
    parser, argv = _exec_start(unit)
    binary = pathlib.PurePosixPath(argv[0])
    assert str(binary.parent) == VENV_BIN
    if binary.name == 'gunicorn':
        assert argv[-1] == 'manila_repl.api.wsgi:application'
        hooks = argv[argv.index('--config') + 1]
        assert hooks.startswith('python:')
        assert importlib.util.find_spec(hooks[len('python:'):])
        # Environment= may repeat (configparser keeps the last).
        environment = [line.partition('=')[2] for line in
                       unit.read_text().splitlines()
                       if line.startswith('Environment=')]
        assert 'MANILA_REPL_CONFIG_FILE=/etc/manila-repl/' \
               'manila-repl-api.conf' in environment
        assert any(e.startswith('PROMETHEUS_MULTIPROC_DIR=/run/')
                   for e in environment)
        return
    assert binary.name in _console_scripts()
    config = pathlib.PurePosixPath(argv[argv.index('--config-file') + 1])
    assert str(config.parent) == '/etc/manila-repl'
    # manila-repl-share.conf is a copy of one of the share samples.
    shipped = {c.replace('-localdir', '').replace('-btrfs', '')
               for c in CONFIGS}
    assert config.name in shipped


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        services.unavailable('systemd-analyze', 'apt-get install systemd')
    here = str(pathlib.Path(sys.executable).parent)
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(VENV_BIN, here))
        copies.append(str(copy))
    result = subprocess.run([analyze, 'verify', '--man=no', *copies],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'Unknown' not in result.stderr, result.stderr


def test_samples_and_units_are_installed_as_package_data():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / 'setup.cfg')
    data = parser['options.data_files']
    listed = {pathlib.Path(f.strip()).name
              for f in data['share/manila-repl/etc'].split(',')}
    assert set(CONFIGS) <= listed
    assert data['share/manila-repl/etc/systemd'].strip() == \
        'etc/systemd/*.service'
