"""Karaoke videos: frames drawn offscreen by the lyrics painter, H.264 + AAC through PyAV, nothing left on cancel."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from soundnet_app.engine.export import ExportCancelled
from soundnet_app.sing.lyrics import parse_lrc
from soundnet_app.ui.karaoke_video import KaraokeFrames, VideoError, background_image, write_karaoke_video

SR = 44100
LYRICS = parse_lrc("[00:00.50]<00:00.50>First <00:01.20>line <00:01.90>here\n"
                   "[00:03.00]<00:03.00>Second <00:03.60>line <00:04.20>now\n"
                   "[00:05.50]Third line\n")
SIZE = (640, 360)


def stems(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(seconds * SR)) / SR
    voice = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    backing = (0.2 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    return np.stack([voice, voice], axis=1), np.stack([backing, backing], axis=1)


def rgb(frames: KaraokeFrames, i: int) -> np.ndarray:
    """Frame ``i`` drawn from scratch, ``(h, w, 3)`` float RGB."""
    fresh = KaraokeFrames(frames.lyrics, frames.size, tempo=frames.tempo, fps=frames.fps,
                          background=frames.background)
    picture, _, _ = fresh.frame_at(i)
    return picture[:, :, 2::-1].astype(np.float32)


def test_frames_drawn_bit_by_bit_equal_frames_drawn_whole(qapp):
    frames = KaraokeFrames(LYRICS, SIZE, fps=10, background=background_image(SIZE, "#203040"))
    assert frames.frame_at(0)[1:] == (0, SIZE[1])  # the first frame: every row
    for i in range(1, 80):
        shown = frames.frame_at(i)
        if shown is None:
            continue  # looks like the one before
        picture, top, bottom = shown
        expected = rgb(frames, i)
        assert np.array_equal(picture[:, :, 2::-1], expected), i
        assert 0 <= top <= bottom <= SIZE[1]
    assert 0 < frames.drawn < 80


def test_video_has_the_karaoke_mix_at_tempo_and_the_right_line_at_a_known_time(qapp, tmp_path):
    vocals, instrumental = stems(7.0)
    path = tmp_path / "song.mp4"
    seen = []
    write_karaoke_video(path, vocals, instrumental, LYRICS, tempo=1.25, key=2, size=SIZE, fps=10,
                        progress=seen.append)
    assert seen[-1] == 1.0 and [p.name for p in tmp_path.iterdir()] == ["song.mp4"]
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        assert (video.width, video.height, audio.rate, audio.channels) == (*SIZE, SR, 2)
        assert float(audio.duration * audio.time_base) == pytest.approx(7.0 / 1.25, abs=0.05)
        # At video time 3.0 s the song is at 3.75 s: the second line is being sung.
        frame = next(f for f in container.decode(video=0) if f.time >= 3.0 - 1e-6)
        got = frame.to_ndarray(format="rgb24").astype(np.float32)
    frames = KaraokeFrames(LYRICS, SIZE, tempo=1.25, fps=10)
    right, wrong = rgb(frames, 30), rgb(frames, 10)  # 3.0 s: line 2; 1.0 s: line 1
    assert np.abs(got - right).mean() < 0.5 * np.abs(got - wrong).mean()
    assert np.abs(got - right).mean() < 4.0  # H.264 at its default quality
    # The key: the guide-less mix is the instrumental moved up two semitones (110 Hz -> ~123.5 Hz).
    with av.open(str(path)) as container:
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    spectrum = np.abs(np.fft.rfft(sound[SR:3 * SR]))
    assert np.fft.rfftfreq(2 * SR, 1 / SR)[np.argmax(spectrum)] == pytest.approx(110 * 2 ** (2 / 12), abs=1.0)


def test_cancel_and_bad_pictures_leave_nothing(qapp, tmp_path):
    vocals, instrumental = stems(4.0)
    path = tmp_path / "song.mp4"
    calls = iter(range(1000))
    with pytest.raises(ExportCancelled):
        write_karaoke_video(path, vocals, instrumental, LYRICS, size=SIZE, fps=10, cancel=lambda: next(calls) > 5)
    assert list(tmp_path.iterdir()) == []
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture")
    with pytest.raises(VideoError, match="junk.png"):
        write_karaoke_video(path, vocals, instrumental, LYRICS, size=SIZE, picture=junk)
    assert not path.exists()


def test_a_picture_covers_the_frame_dimmed(qapp, tmp_path):
    picture = QImage(300, 100, QImage.Format.Format_RGB32)
    picture.fill(QColor("#ff0000"))
    path = tmp_path / "red.png"
    assert picture.save(str(path))
    image = background_image(SIZE, picture=path)
    corners = [QColor(image.pixel(x, y)) for x in (0, SIZE[0] - 1) for y in (0, SIZE[1] - 1)]
    assert all(c.red() > 80 and c.green() == 0 and c.red() < 200 for c in corners)  # covered, dimmed


def test_a_duet_shows_each_singer_in_their_own_half(qapp):
    from soundnet_app.sing.ultrastar import parse_ultrastar
    from soundnet_app.sing.ultrastar_notes import song_lyrics

    duet = parse_ultrastar("#TITLE:D\n#BPM:120\n#GAP:0\nP1\n: 0 8 0 First\n- 10\n: 40 8 0 third\n"
                           "P2\n: 4 16 7 Second\nE\n")
    size = (640, 360)
    frames = KaraokeFrames(song_lyrics(duet, 0), size, fps=10, second=song_lyrics(duet, 1),
                           background=background_image(size, "#000000"))
    picture, _, _ = frames.frame_at(7)  # 0.7 s: both sing ("First" from 0 s, "Second" from 0.5 s)
    lit = picture[:, :, :3].max(axis=(1, 2)) > 100
    top, bottom = lit[: size[1] // 2], lit[size[1] // 2:]
    assert top.any() and bottom.any()  # a row of lyrics in each half
    single = KaraokeFrames(song_lyrics(duet), size, fps=10, background=background_image(size, "#000000"))
    assert not np.array_equal(single.frame_at(7)[0], picture)
