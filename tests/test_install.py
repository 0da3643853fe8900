"""The plugin is discovered from a regular (wheel) install, not only from this editable checkout."""
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent

DISCOVER = """
import sys
sys.path[:0] = [{target!r}, *{sites!r}]
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
import hydra_plugins.greennas_sweeper.greennas_sweeper as plugin, greennas
print(plugin.__file__, greennas.__file__)
print(sorted(p.__name__ for p in Plugins.instance().discover(Sweeper)))
"""


def test_wheel_holds_both_packages_and_hydra_discovers_it(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("greennas-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "hydra_plugins/greennas_sweeper/greennas_sweeper.py" in names and "greennas/search.py" in names
    assert "hydra_plugins/__init__.py" not in names  # a namespace package, shared with other plugins
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    # -S skips site's .pth files, so the editable install of this checkout is invisible.
    code = DISCOVER.format(target=str(target), sites=site.getsitepackages())  # a venv's and, if it has them, the system's
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    files, discovered = out.stdout.splitlines()
    assert all(path.startswith(str(target)) for path in files.split())
    assert "GreenNASSweeper" in discovered
