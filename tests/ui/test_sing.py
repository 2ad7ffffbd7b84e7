"""The sing-along panel in a real window: lyrics, the pitch guide, a file-fed microphone, a take."""

from __future__ import annotations

import contextlib

import numpy as np
from uihelpers import wait_separated, write_song

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.write import write_audio
from soundnet_app.separation.cache import cache_key
from soundnet_app.sing.guide import guide_path
from soundnet_app.sing.lyrics_files import read_lrc
from soundnet_app.sing.pitch import track_pitch
from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.panels.sing import SingPanel


@contextlib.contextmanager
def playing(window):
    """Play through a simulated sound card (this machine has none); paused and stopped on exit."""
    from soundnet_app.devtools.simulate import FakeAudioThread

    audio = FakeAudioThread(window.playback.mixer)
    window.playback.play()
    audio.start()
    try:
        yield
    finally:
        window.playback.pause()
        audio.stop_event.set()
        audio.join(2)


def feed_microphone(monkeypatch, path, audio: np.ndarray) -> None:
    """The singer: ``audio`` written to ``path`` and fed to the app as its microphone."""
    write_audio(path, audio)
    monkeypatch.setenv("SOUNDNET_MIC_FILE", str(path))


def test_lyrics_and_pitch_guide_follow_the_song(make_window, qtbot, tmp_path):
    song = write_song(tmp_path / "song.wav", 12.0)
    song.with_suffix(".lrc").write_text("[00:00.50]first line\n[00:04.00]<00:04.00>second <00:04.50>line\n")
    window = make_window()
    window.open_path(song)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: sing.singalong.guide is not None and sing.singalong.guide.complete, timeout=20000)
    assert sing.singalong.lyrics.texts == ["first line", "second line"]
    assert sing.singalong.guide.latest_notes()
    # Built chunk by chunk on the builder thread, it agrees with tracking the whole separated vocal.
    whole = track_pitch(window.song.vocals, SAMPLE_RATE)
    assert np.mean((whole > 0) == (sing.singalong.guide.f0 > 0)) > 0.95
    # Stored next to the stem cache entry, under the same key; a reopen loads it.
    path = guide_path(window.cache.root, cache_key(window.song.content_hash, sing.singalong.model_version))
    qtbot.waitUntil(path.exists, timeout=5000)
    window.transport.seek_seconds(4.6)
    sing.tick()
    frame = sing.view.lyrics_view.frame
    assert frame.current == 1 and len("second ") / len("second line") < frame.wipe < 1  # the word "line" is sung
    image = sing.view.grab().toImage()
    assert image.width() > 100
    window.open_path(song)
    qtbot.waitUntil(lambda: sing.singalong.song is not None and sing.singalong.song is window.song
                    and window.song.cached, timeout=20000)
    assert sing.singalong.guide.complete and sing.singalong.guide.latest_notes()
    # Hiding the panel is remembered.
    sing.show_action.setChecked(False)
    assert not sing.view.isVisible() and window.settings.q.value("sing/visible") in (False, "false")


def test_damaged_lrc_gives_a_message(make_window, qtbot, tmp_path):
    song = write_song(tmp_path / "song.wav", 3.0)
    song.with_suffix(".lrc").write_bytes(b"[00:1x.00]broken\n")
    window = make_window()
    window.open_path(song)
    qtbot.waitUntil(lambda: window.song is not None and "broken" in window.banner.text(), timeout=10000)
    assert window.panel(SingPanel).singalong.lyrics is None


def test_tap_to_sync_writes_an_lrc_and_asks_before_replacing(make_window, qtbot, tmp_path, dialogs):
    song = write_song(tmp_path / "song.wav", 8.0)
    window = make_window()
    window.open_path(song)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    assert sing.start_tap_sync("one\ntwo\nthree")
    for t in (0.2, 4.25, 6.1):  # the synthetic voice's phrases start at 0 s and 4 s (and notes every 0.5 s)
        window.playback.seek(round(t * SAMPLE_RATE))
        sing.tap_action.trigger()
    lrc = song.with_suffix(".lrc")
    assert lrc.exists()
    starts = [ln.start for ln in read_lrc(lrc).lines]
    assert abs(starts[1] - 4.0) <= 0.05 and abs(starts[2] - 6.0) <= 0.05
    before = lrc.read_bytes()
    dialogs.conflict_answer = None  # "cancel"
    sing.start_tap_sync("other")
    sing.tap()
    assert ("resolve_conflict", ["song.lrc"]) in dialogs.calls
    assert lrc.read_bytes() == before


def test_file_fed_microphone_scores_and_saves_a_take(make_window, qtbot, tmp_path, monkeypatch):
    song = write_song(tmp_path / "song.wav", 8.0)
    window = make_window()
    window.open_path(song)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: sing.singalong.guide.complete, timeout=20000)
    singer = tmp_path / "singer.wav"
    feed_microphone(monkeypatch, singer, np.asarray(window.song.vocals))  # the singer sings exactly the original
    sing.mic_action.setChecked(True)
    with playing(window):
        qtbot.waitUntil(lambda: window.playback.position > 4.0 * SAMPLE_RATE, timeout=15000)
    assert sing.singalong.mic is not None
    sing.singalong.mic.wait_idle()
    score = sing.singalong.scorer.score()
    assert score.total > 0.7, score
    assert "Score" in sing.view.score_label.text()
    sing.mic_action.setChecked(False)
    assert sing.singalong.mic is None and sing.singalong.last_take is not None
    assert sing.save_take(tmp_path / "take.flac") is not None
    qtbot.waitUntil(lambda: (tmp_path / "take.flac").exists(), timeout=10000)
    take, _ = read_audio(tmp_path / "take.flac")
    assert take.shape[0] == window.song.n_frames


def test_lane_and_take_follow_the_players_key_and_tempo(make_window, qtbot, tmp_path, monkeypatch):
    song = write_song(tmp_path / "song.wav", 6.0)
    window = make_window()
    window.open_path(song)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    window.panel(KeyTempoPanel).set_shift(2, 0.8)
    sing.tick()
    assert sing.view.lane.key_shift == 2  # the guide's notes drawn where the singer hears them
    singer = tmp_path / "singer.wav"
    feed_microphone(monkeypatch, singer, np.asarray(window.song.vocals))
    sing.mic_action.setChecked(True)
    with playing(window):
        qtbot.waitUntil(lambda: sing.singalong.mic is not None, timeout=5000)
        session = sing.singalong.mic
        assert (session.key, session.tempo) == (2, 0.8)
        qtbot.wait(1500)  # at 80 %, the session's song clock keeps up with the player: it is not restarted
        assert sing.singalong.mic is session
        window.panel(KeyTempoPanel).set_shift(-1, 0.8)  # a new key: the session ends, the next starts at it
        qtbot.waitUntil(lambda: sing.singalong.mic is not None and sing.singalong.mic is not session, timeout=5000)
        assert sing.singalong.mic.key == -1 and sing.view.lane.key_shift == -1
        qtbot.wait(600)
    sing.mic_action.setChecked(False)
    assert sing.singalong.last_take is not None and sing.singalong.last_take[3:] == (-1, 0.8)
    sing.save_take(tmp_path / "take.wav")
    qtbot.waitUntil(lambda: (tmp_path / "take.wav").exists(), timeout=20000)
    take, _ = read_audio(tmp_path / "take.wav")
    assert abs(take.shape[0] - round(window.song.n_frames / 0.8)) <= 2  # the instrumental at 80 %


def test_pitch_lane_draws_the_singer_on_and_off_the_note(qtbot):
    from PySide6.QtGui import QColor

    from soundnet_app.sing.guide import PitchGuide
    from soundnet_app.ui.panels.sing_views import MISS, SINGER, PitchLane

    guide = PitchGuide(10 * SAMPLE_RATE, SAMPLE_RATE)
    guide.f0[:] = 220.0
    guide.done[:] = True
    guide.version += 1
    guide.notes()
    lane = PitchLane()
    qtbot.addWidget(lane)
    lane.resize(600, 120)
    lane.set_guide(guide)
    times = np.arange(300, 500) * guide.hop_s  # 3-5 s
    f0 = np.where(times < 4.0, 440.0, 233.1).astype(np.float32)  # an octave up (on the note), then a semitone off
    lane.set_time(5.0, (times, f0))
    image = lane.grab().toImage()

    def count(colour: str) -> int:
        c = QColor(colour)
        return sum(image.pixelColor(x, y) == c for x in range(0, image.width()) for y in range(0, image.height(), 1))

    hits, misses = count(SINGER), count(MISS)
    assert hits > 100 and misses > 100


def test_a_take_keeps_every_stretch_across_a_pause(make_window, qtbot, tmp_path, monkeypatch):
    """Sing, pause, resume, sing more: the saved take holds both stretches, each at its song position."""
    song = write_song(tmp_path / "song.wav", 8.0)
    window = make_window()
    window.open_path(song)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    latency = 0.05
    sing.latency_s = latency
    singer = tmp_path / "singer.wav"
    noise = 0.1 * np.random.default_rng(7).standard_normal(8 * SAMPLE_RATE)
    feed_microphone(monkeypatch, singer, np.stack([noise, noise], 1).astype(np.float32))  # every stretch restarts this file
    sing.mic_action.setChecked(True)
    mixer = window.playback.mixer
    with playing(window):
        qtbot.waitUntil(lambda: mixer.position > 2.0 * SAMPLE_RATE, timeout=15000)
        mixer.pause()
        qtbot.waitUntil(lambda: sing.singalong.mic is None, timeout=5000)
        assert len(sing.singalong.take_parts) == 1
        qtbot.wait(300)
        resumed = mixer.position
        mixer.play()
        qtbot.waitUntil(lambda: mixer.position > resumed + 2.0 * SAMPLE_RATE, timeout=15000)
        mixer.pause()
        qtbot.waitUntil(lambda: sing.singalong.mic is None, timeout=5000)
    parts = list(sing.singalong.take_parts)
    assert len(parts) >= 2 and parts[-1].song_start >= resumed
    task = sing.save_take(tmp_path / "take.wav")
    assert task is not None
    qtbot.waitUntil(lambda: (tmp_path / "take.wav").exists(), timeout=20000)  # written atomically
    take, _ = read_audio(tmp_path / "take.wav")
    song_ = window.song
    params = mixer.params
    backing = params.instrumental_level * np.asarray(song_.instrumental)
    if not params.mute and params.vocal_level:
        backing = backing + params.vocal_level * np.asarray(song_.vocals)
    voice = (take - backing).mean(axis=1)
    shift = round(latency * SAMPLE_RATE)
    window_s = 0.5
    for part in (parts[0], parts[-1]):
        # 0.3 s of what was sung 0.1 s into the stretch lies 0.1 s after its song start in the take.
        chunk = np.asarray(part.voice, np.float32)[shift + 4410:shift + 4410 + 13230]
        expected = part.song_start + 4410
        lo = max(0, expected - round(window_s * SAMPLE_RATE))
        seg = voice[lo:expected + round(window_s * SAMPLE_RATE) + chunk.size]
        xc = np.correlate(seg, chunk, mode="valid")
        found = lo + int(np.argmax(xc))
        assert abs(found - expected) <= 0.005 * SAMPLE_RATE, (found - expected) / SAMPLE_RATE
        assert xc.max() > 0.8 * float(np.dot(chunk, chunk))
    # Singing from the very start again begins a new take; so does the menu's "Start a New Take".
    window.transport.seek_seconds(0.0)
    with playing(window):
        qtbot.waitUntil(lambda: sing.singalong.mic is not None, timeout=5000)
        assert sing.singalong.take_parts == []
        qtbot.waitUntil(lambda: mixer.position > 1.0 * SAMPLE_RATE, timeout=10000)
    qtbot.waitUntil(lambda: sing.singalong.mic is None, timeout=5000)
    assert len(sing.singalong.take_parts) == 1 and sing.singalong.last_take.song_start < 0.5 * SAMPLE_RATE
    sing.new_take_action.trigger()
    assert sing.singalong.take_parts == [] and sing.singalong.last_take is None
    assert sing.save_take(tmp_path / "none.wav") is None
