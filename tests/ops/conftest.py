"""The operating suite (tests/run.sh "ops"): the manual pages against --help and the settings table, and the Debian
package built with Debian's tools. Environment: TREMPLIN_BIN (the program of the build under test)."""
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("TREMPLIN_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise pytest.UsageError("TREMPLIN_BIN must name the tremplin program of a build")
    return path


@pytest.fixture(scope="session")
def build_dir(binary):
    """The Meson build directory of TREMPLIN_BIN (its src/tremplin)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(binary)))
