"""The server under a service manager (debian/tremplin.service, Type=notify): READY=1 on $NOTIFY_SOCKET once its port
answers, RELOADING=1 then READY=1 around a reload on SIGHUP (systemctl reload; what it applies is tested in
test_metrics_logs.py), STOPPING=1 then a clean stop on SIGTERM."""
import os
import signal
import socket

import requests

from conftest import DATABASE, Server, free_port, unique, write_config


def test_the_server_notifies_readiness_reloads_on_sighup_and_stops_cleanly(server, workdir):
    port = free_port()
    path = os.path.join(workdir, unique("notify-") + ".sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(path)
    notify.settimeout(120)
    srv = Server(DATABASE, write_config(os.path.join(workdir, f"notify-{port}.ini"), port), port,
                 os.path.join(workdir, f"notify-{port}.log"))
    os.environ["NOTIFY_SOCKET"] = path
    try:
        srv.spawn()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    try:
        message = notify.recv(4096).decode()
        assert "READY=1" in message and f"STATUS=127.0.0.1:{port}" in message, message
        assert requests.get(srv.base + "/healthz", timeout=10).status_code == 200  # ready means answering

        srv.proc.send_signal(signal.SIGHUP)
        assert "RELOADING=1" in notify.recv(4096).decode()
        assert "READY=1" in notify.recv(4096).decode()
        assert requests.get(srv.base + "/healthz", timeout=10).status_code == 200
        assert srv.proc.poll() is None
        srv.stop_checked()
        assert "SIGHUP: reading the configuration again" in srv.run_log()
        assert "reload: done" in srv.run_log()
        assert "STOPPING=1" in notify.recv(4096).decode()
    finally:
        if srv.proc is not None:
            srv.proc.kill()
            srv.proc.wait()
        notify.close()
