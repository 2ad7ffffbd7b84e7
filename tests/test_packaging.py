"""The desktop entry and AppStream metadata validate, and the desktop installer writes them."""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
DESKTOP = PACKAGING / "soundnet.desktop"
METAINFO = PACKAGING / "io.github.soundnet.karaoke.metainfo.xml"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-validate is not installed")
def test_desktop_entry_validates():
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstreamcli is not installed")
def test_metainfo_validates():
    proc = subprocess.run(["appstreamcli", "validate", "--no-net", "--pedantic", str(METAINFO)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_desktop_entry_opens_every_audio_type_we_read():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP)
    section = entry["Desktop Entry"]
    mime = set(filter(None, section["MimeType"].split(";")))
    assert {"audio/mpeg", "audio/flac", "audio/x-wav", "audio/ogg", "audio/mp4", "video/mp4"} <= mime
    assert section["Exec"].split()[-1] == "%F" and section["Icon"] == "soundnet"
    assert (REPO / "resources" / "soundnet.svg").is_file()


def test_install_desktop_points_at_a_bundle(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "HOME": str(tmp_path)}
    bundle = tmp_path / "bundle dir"
    bundle.mkdir()
    subprocess.run(["bash", str(PACKAGING / "install_desktop.sh"), str(bundle)], env=env, check=True,
                   capture_output=True)
    desktop = (tmp_path / "share" / "applications" / "soundnet.desktop").read_text()
    assert f'Exec="{bundle}/soundnet" %F' in desktop
    assert (tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "soundnet.svg").is_file()
    assert (tmp_path / "share" / "metainfo" / METAINFO.name).is_file()
    if shutil.which("desktop-file-validate"):
        proc = subprocess.run(["desktop-file-validate", str(tmp_path / "share" / "applications" / "soundnet.desktop")],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout
