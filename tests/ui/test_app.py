"""The ``soundnet`` entry point, model failures, and the messages errors become."""

from __future__ import annotations

import soundnet_app.engine.loading as loading_module
from soundnet_app.engine.jobs import SeparationRunner
from soundnet_app.ui.app import create_app, parse_args
from soundnet_app.ui.panels.export import ExportPanel


def test_parse_args():
    args = parse_args(["song.mp3", "--no-audio"])
    assert args.path == "song.mp3" and args.no_audio and not args.no_cache
    assert parse_args([]).path is None


def test_soundnet_model_runs_that_model_for_this_run_only(qtbot, monkeypatch, separator, tmp_path, scratch_model_path):
    """``--model``: the separator, the About box and the cache key all use that model; the setting is left as it was."""
    loaded = []
    monkeypatch.setattr(SeparationRunner, "_default_separator", lambda self: loaded.append(self.model_path) or separator)
    app, window, _ = create_app(["--settings", str(tmp_path / "s.ini"), "--no-audio", "--model", str(scratch_model_path)])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.separation.model_state == "ready", timeout=15000)
        assert loaded == [scratch_model_path] and window.separation.model_path == scratch_model_path
        assert window.settings.model_path != scratch_model_path
    finally:
        window.shutdown()


def test_soundnet_path_opens_the_song(qtbot, monkeypatch, separator, song_file, tmp_path):
    monkeypatch.setattr(SeparationRunner, "_default_separator", lambda self: separator)
    app, window, _ = create_app(["--settings", str(tmp_path / "s.ini"), "--no-audio", "--no-cache", str(song_file)])
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and app.applicationName() == "SoundNet Karaoke"
        from soundnet_app.ui import theme

        assert app.palette().window().color().name() == theme.WINDOW
        qtbot.waitUntil(lambda: window.song is not None, timeout=15000)
        assert window.windowTitle() == "Test Song"  # Qt adds " — SoundNet Karaoke", the display name
        assert window.cache is None
        assert window.settings.q.fileName() == str(tmp_path / "s.ini")
    finally:
        window.shutdown()


def test_model_failure_is_reported_and_the_original_still_plays(qtbot, settings, dialogs, song_file):
    from soundnet_app.ui.main_window import MainWindow

    def broken():
        raise RuntimeError("model file is damaged")

    window = MainWindow(settings=settings, dialogs=dialogs, cache=None, separator_factory=broken, audio=False)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.separation.model_state == "failed", timeout=10000)
        assert "model file is damaged" in window.banner.text()
        window.open_path(song_file)
        qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
        qtbot.waitUntil(lambda: window.separation.job.state == "failed", timeout=10000)
        window.playback.play()
        window.playback.mixer.render(1000)
        out = window.playback.mixer.render(1000)
        assert abs(out - window.song.mixture[1000:2000]).max() < 1e-6  # the original, not silence
        window.panel(ExportPanel).action.trigger()  # says why there is nothing to export
        assert "Resume" in window.banner.text() and window.panel(ExportPanel).task is None
    finally:
        window.shutdown()


def test_too_long_song_is_refused_with_a_message(qtbot, monkeypatch, window, song_file):
    monkeypatch.setattr(loading_module, "MAX_SONG_MINUTES", 0.1)
    failures = []
    window.loadFailed.connect(failures.append)
    window.open_path(song_file)
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert "minutes long" in window.banner.text() and window.song is None
