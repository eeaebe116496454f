"""The ganesha export helper without ganesha: what an export block holds,
how rules become CLIENT blocks, how the host's files are read back and how
a reload's log lines are told per export. Applying exports to a running
ganesha: tests/functional/test_nfs_hosts.py."""
import pytest

from manila_repl.share.drivers import ganesha
from manila_repl.share.drivers import ssh

C = ganesha.Client


def export(clients, **kwargs):
    values = dict(name='0b7c4c3e-8a0e-4d5e-9f3e-2f1d6c5b4a39',
                  path='/run/manila-repl/exports/x',
                  pseudo='/shares/x', clients=tuple(clients),
                  source='/srv/btrfs/shares/x')
    values.update(kwargs)
    return ganesha.Export(**values)


def test_an_export_block_per_share_with_its_clients():
    text = ganesha.render(export([C('10.0.0.0/24', 'ro'),
                                  C('10.0.0.7', 'rw'),
                                  C('2001:db8::/64', 'rw')]), 12)
    assert 'Export_Id = 12;' in text
    assert 'Path = "/run/manila-repl/exports/x";' in text
    assert 'Pseudo = "/shares/x";' in text
    assert 'Access_Type = None;' in text     # only the CLIENT blocks allow
    assert '# source: /srv/btrfs/shares/x' in text
    clients = [line.strip() for line in text.splitlines()
               if 'CLIENT' in line]
    # Most specific first: ganesha takes the first block that matches.
    assert clients == [
        'CLIENT { Clients = 10.0.0.7; Access_Type = RW; }',
        'CLIENT { Clients = 10.0.0.0/24; Access_Type = RO; }',
        'CLIENT { Clients = 2001:db8::/64; Access_Type = RW; }']


@pytest.mark.parametrize('bad', [
    dict(path='/x"; }'), dict(pseudo='/a\nb'), dict(name='../etc'),
    dict(clients=(C('10.0.0.1', 'admin'),))])
def test_refuses_what_would_break_the_config(bad):
    with pytest.raises(ganesha.GaneshaError):
        ganesha.render(export([C('10.0.0.1', 'rw')], **{
            k: v for k, v in bad.items() if k != 'clients'}) if
            'clients' not in bad else export(bad['clients']), 1)


def test_the_hosts_files_are_read_back(tmp_path):
    directory = tmp_path / 'export.d'
    directory.mkdir()
    e = export([C('10.1.0.0/16', 'rw'), C('10.2.0.1', 'ro')])
    (directory / ('7-%s.conf' % e.name)).write_text(ganesha.render(e, 7))
    (directory / 'INDEX.conf').write_text('')
    (directory / 'notes.txt').write_text('not an export')
    host = ganesha.GaneshaHost(ssh.Local('b'), 'here',
                               export_dir=str(directory))
    found = host.current()
    assert list(found) == [e.name]
    assert (found[e.name].export_id, found[e.name].path,
            found[e.name].source) == (7, e.path, e.source)
    assert set(found[e.name].clients) == {C('10.1.0.0/16', 'rw'),
                                          C('10.2.0.1', 'ro')}


def test_setup_says_when_ganesha_conf_lacks_the_include(tmp_path):
    conf = tmp_path / 'ganesha.conf'
    conf.write_text('NFS_CORE_PARAM { Protocols = 4; }\n')
    host = ganesha.GaneshaHost(ssh.Local('b'), 'here',
                               export_dir=str(tmp_path / 'export.d'),
                               config_file=str(conf))
    with pytest.raises(ganesha.GaneshaError, match='must %include'):
        host.setup()
    conf.write_text('%%include "%s"\n' % host.index)
    host.setup()
    assert (tmp_path / 'export.d' / 'INDEX.conf').exists()


LOG = ('02/12/2026 07:18:52 : epoch 6b : vm : nfs-ganesha-1[sigmgr] '
       '%s :CONFIG :CRIT :%s')


def test_reload_errors_are_told_per_export():
    a = export([C('10.0.0.1', 'rw')], name='a', pseudo='/shares/a',
               path='/e/a')
    b = export([C('10.0.0.1', 'rw')], name='b', pseudo='/shares/b',
               path='/e/b')
    lines = [LOG % ('fsal_cfg_commit', 'Could not create export for '
                    '(/shares/b) to (/e/b)'),
             LOG % ('mdcache', 'Failed to call create_export on '
                    'underlying FSAL VFS')]
    errors = ganesha.GaneshaHost._errors(lines, [a, b], {'a': 1, 'b': 2})
    assert errors == {'b': 'Could not create export for (/shares/b) to '
                            '(/e/b)'}
    errors = ganesha.GaneshaHost._errors(
        [LOG % ('export_commit_common', 'Duplicate export id = 2')],
        [a, b], {'a': 1, 'b': 2})
    assert list(errors) == ['b']
    # Nothing names an export: every one of the batch gets the lines.
    errors = ganesha.GaneshaHost._errors(
        [LOG % ('x', 'Something broke')], [a, b], {'a': 1, 'b': 2})
    assert errors == {'a': 'Something broke', 'b': 'Something broke'}
