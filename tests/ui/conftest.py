"""Fixtures for the desktop-app tests: headless Qt, temporary settings and cache, the real model."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest


@pytest.fixture(scope="session")
def separator(separator):
    """The real bundled model (tests/conftest.py loads it once per session), warmed up."""
    from soundnet_app.engine.jobs import warm_up

    warm_up(separator)
    return separator


@pytest.fixture
def themed(qapp):
    """The app's theme on the test's QApplication (sizes and colours as in the app), put back afterwards."""
    from soundnet_app.ui.app import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


@pytest.fixture
def settings(tmp_path):
    from soundnet_app.ui.settings import AppSettings

    return AppSettings(tmp_path / "settings.ini")


class FakeDialogs:
    """Stands in for :class:`soundnet_app.ui.dialogs.Dialogs`: answers from attributes, records calls."""

    def __init__(self):
        self.open_path = None
        self.open_paths: list = []  # what open_songs (Add to Queue…, several files) answers
        self.export_choice = None
        self.conflict_answer = "rename"
        self.settings_choice = None
        self.pasted_lyrics = None
        self.save_path = None
        self.ultrastar_choice = None  # an UltraStarChoice (folder, typed BPM or None) for the UltraStar export
        self.calls: list[tuple] = []

    def open_file(self, parent, folder):
        self.calls.append(("open_file", folder))
        return self.open_path

    def export_options(self, parent, folder, format, song, vocal_level, subtypes=None, bitrates=None):
        self.calls.append(("export_options", folder, format, song, vocal_level))
        return self.export_choice

    def open_songs(self, parent, folder):
        self.calls.append(("open_songs", folder))
        return list(self.open_paths)

    def open_lyrics(self, parent, folder):
        self.calls.append(("open_lyrics", folder))
        return self.open_path

    def paste_lyrics(self, parent):
        self.calls.append(("paste_lyrics",))
        return self.pasted_lyrics

    def save_audio(self, parent, title, suggested):
        self.calls.append(("save_audio", title, suggested.name))
        return self.save_path

    def ultrastar_options(self, parent, folder, own_bpm=None):
        self.calls.append(("ultrastar_options", folder, own_bpm))
        return self.ultrastar_choice

    def settings(self, parent, model_path, cache, app_settings=None):
        self.calls.append(("settings", str(model_path)))
        return self.settings_choice

    def resolve_conflict(self, parent, paths):
        self.calls.append(("resolve_conflict", [p.name for p in paths]))
        return self.conflict_answer

    def information(self, parent, title, text):
        self.calls.append(("information", title))
        self.last_text = text


@pytest.fixture
def dialogs():
    return FakeDialogs()


@pytest.fixture
def make_window(qtbot, separator, settings, dialogs, tmp_path):
    """Build real main windows (real worker and model, temporary settings and cache, no sound)."""
    from soundnet_app.separation.cache import StemCache
    from soundnet_app.ui.main_window import MainWindow

    windows = []

    def make(settings=settings, cache="tmp", audio=False):
        if cache == "tmp":
            cache = StemCache(tmp_path / "cache")
        window = MainWindow(settings=settings, dialogs=dialogs, cache=cache,
                            separator_factory=lambda: separator, warm_up=False, audio=audio)
        qtbot.addWidget(window)
        if settings.geometry is None:
            window.resize(1100, 700)
        window.show()
        qtbot.waitUntil(lambda: window.separation.model_state == "ready", timeout=30000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def song_file(tmp_path):
    """A 12-second generated song (two separator chunks) as a WAV file."""
    from uihelpers import write_song

    return write_song(tmp_path / "Test Song.wav", 12.0)
