"""The Debian package, built with Debian's own tools from a copy of this tree (dpkg-buildpackage -us -uc -b, as `make
deb` does), checked by lintian (no error, no warning), by its contents and maintainer scripts, by the security
exposure of its systemd unit, and by running its program from the unpacked package (static files, sd_notify).

Cost: one optimised build of the program without the unit tests (about 75 s on two idle cores) and lintian (about
20 s). Installing it into a chroot is not done: no debootstrap image is at hand on the test machine."""
import glob
import os
import re
import shutil
import socket
import subprocess
import time

import pytest
import requests

from conftest import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{deb, changes, tree (the unpacked package), control (its control files)}."""
    for tool in ("dpkg-buildpackage", "dh", "lintian", "systemd-analyze", "scdoc"):
        assert shutil.which(tool), f"{tool} is missing: tools/deps.sh test installs it"
    assert os.path.isdir(os.path.join(ROOT, "node_modules", "@gouvfr", "dsfr")), "node_modules: run tools/deps.sh"
    work = tmp_path_factory.mktemp("deb")
    src = work / "tremplin"
    src.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for f in files:
        if not f or f == "node_modules" or not os.path.isfile(os.path.join(ROOT, f)):
            continue
        os.makedirs(src / os.path.dirname(f), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), src / f)
    os.symlink(os.path.realpath(os.path.join(ROOT, "node_modules")), src / "node_modules")
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, capture_output=True, text=True,
                       timeout=1800, env={**os.environ, "DEB_BUILD_OPTIONS": "parallel=2"})
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    debs = [d for d in glob.glob(str(work / "tremplin_*.deb"))]
    assert len(debs) == 1, os.listdir(work)
    tree, control = work / "root", work / "control"
    subprocess.run(["dpkg-deb", "-x", debs[0], tree], check=True)
    subprocess.run(["dpkg-deb", "-e", debs[0], control], check=True)
    return {"deb": debs[0], "changes": glob.glob(str(work / "tremplin_*.changes"))[0], "tree": tree,
            "control": control, "work": work}


def test_lintian_reports_no_error_and_no_warning(built):
    r = subprocess.run(["lintian", "--fail-on", "error,warning", built["changes"]], capture_output=True, text=True,
                       timeout=600)
    tags = [line for line in r.stdout.splitlines() if re.match(r"[EW]: ", line)]
    assert r.returncode == 0 and tags == [], r.stdout + r.stderr


def test_the_package_holds_the_program_its_files_and_its_unit(built):
    listing = subprocess.run(["dpkg-deb", "-c", built["deb"]], capture_output=True, text=True, check=True).stdout
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    for path in ("/usr/bin/tremplin", "/lib/systemd/system/tremplin.service", "/etc/tremplin/tremplin.ini",
                 "/usr/share/man/man1/tremplin.1.gz", "/usr/share/man/man5/tremplin.ini.5.gz",
                 "/usr/share/tremplin/static/dsfr/dsfr.min.css", "/usr/share/tremplin/static/leaflet/leaflet.js",
                 "/usr/share/tremplin/static/app/app.css", "/var/lib/tremplin/",
                 "/usr/share/doc/tremplin/examples/nginx-two-servers.conf"):
        assert path in paths, path
    assert {"/usr/share/doc/tremplin/DEPLOYMENT.md.gz", "/usr/share/doc/tremplin/DEPLOYMENT.md"} & paths
    # Migrations, templates and reference data are compiled into the program: no loose copy.
    assert not [p for p in paths if p.endswith(".sql") or "/templates/" in p]
    control = subprocess.run(["dpkg-deb", "-f", built["deb"], "Depends"], capture_output=True, text=True,
                             check=True).stdout
    for dep in ("adduser", "libh2o-evloop", "libsqlite3", "libpq5", "libsystemd0", "fonts-dejavu-core"):
        assert dep in control, dep


def test_the_settings_are_a_conffile_and_the_scripts_make_the_user(built):
    with open(built["control"] / "conffiles") as f:
        assert f.read().split() == ["/etc/tremplin/tremplin.ini"]
    with open(built["control"] / "postinst") as f:
        postinst = f.read()
    assert "adduser --quiet --system --group --home /var/lib/tremplin" in postinst
    assert "chown tremplin:tremplin /var/lib/tremplin" in postinst
    assert "deb-systemd-helper" in postinst and "#DEBHELPER#" not in postinst
    assert os.path.exists(built["control"] / "prerm") and os.path.exists(built["control"] / "postrm")


def test_the_unit_is_hardened_below_exposure_2(built):
    unit = built["tree"] / "lib" / "systemd" / "system" / "tremplin.service"
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)], capture_output=True, text=True,
                       timeout=120)
    m = re.search(r"Overall exposure level for tremplin\.service: (\d+\.\d+)", r.stdout)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) < 2.0, r.stdout
    # Every directive is one systemd 252 knows, with a value it accepts (verify also complains that the program and
    # the manual pages are not installed on this machine: those lines are not about the file).
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=120)
    bad = [line for line in (r.stdout + r.stderr).splitlines()
           if re.search(r"[Uu]nknown|Failed to parse|[Ii]nvalid|ignoring|not supported", line)]
    assert bad == [], bad
    with open(unit) as f:
        text = f.read()
    for line in ("Type=notify", "User=tremplin", "ProtectSystem=strict", "ReadWritePaths=/var/lib/tremplin",
                 "PrivateTmp=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
                 "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "RestrictAddressFamilies=",
                 "ProtectHome=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
                 "ProtectKernelLogs=yes", "ExecStart=/usr/bin/tremplin serve --config /etc/tremplin/tremplin.ini",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text, line


def test_the_unpacked_program_serves_its_static_files_and_notifies_readiness(built, tmp_path):
    """The packaged program, settings and static files together: the settings file of the package with its paths
    moved into the unpacked tree; READY=1 comes on $NOTIFY_SOCKET once the port answers."""
    tree = built["tree"]
    port = free_port()
    with open(tree / "etc" / "tremplin" / "tremplin.ini") as f:
        ini = f.read()
    ini = ini.replace("listen = 127.0.0.1:8080", f"listen = 127.0.0.1:{port}")
    ini = ini.replace("static_dir = /usr/share/tremplin/static", f"static_dir = {tree}/usr/share/tremplin/static")
    ini = ini.replace("url = sqlite:/var/lib/tremplin/tremplin.db", f"url = sqlite:{tmp_path}/tremplin.db")
    assert str(tree) in ini and str(tmp_path) in ini
    (tmp_path / "tremplin.ini").write_text(ini)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREMPLIN_")}
    env["NOTIFY_SOCKET"] = str(tmp_path / "notify")
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([str(tree / "usr" / "bin" / "tremplin"), "serve", "--config", str(tmp_path / "tremplin.ini")],
                            env=env, stdout=log, stderr=log)
    try:
        message = notify.recv(4096).decode()
        assert "READY=1" in message, message
        # Ready means listening: the first request needs no retry.
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        r = requests.get(f"http://127.0.0.1:{port}/static/dsfr/dsfr.min.css", timeout=10)
        assert r.status_code == 200 and len(r.content) > 10000
        proc.terminate()
        assert proc.wait(60) == 0
        assert "STOPPING=1" in notify.recv(4096).decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        notify.close()
