"""Hearing yourself: the voice monitor's ring, level, delay, reverb, under- and overruns (real pedalboard)."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.sing.monitor import FrameRing, MonitorParams, VoiceMonitor

SR = 44100
IN, OUT = 512, 1024  # a microphone's and a sound card's block sizes


def tone(seconds: float, hz: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def chirp(seconds: float, amp: float = 0.5) -> np.ndarray:
    """A glide from 200 Hz to 2 kHz: never repeats, so its delay has one answer."""
    t = np.arange(round(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * (200 * t + 900 * t**2 / seconds))).astype(np.float32)


def run(monitor: VoiceMonitor, signal: np.ndarray, pushes_per_pull: int = 2, extra_pulls: int = 0) -> np.ndarray:
    """Feed ``signal`` in IN-frame blocks, pulling OUT frames after every ``pushes_per_pull`` blocks."""
    out = []
    blocks = [signal[i : i + IN] for i in range(0, signal.size, IN)]
    for k, block in enumerate(blocks, 1):
        monitor.push(block)
        if k % pushes_per_pull == 0:
            out.append(monitor.pull(OUT))
    out += [monitor.pull(OUT) for _ in range(extra_pulls)]
    return np.concatenate(out)


def max_step_allowed(monitor: VoiceMonitor, level: float, amp: float, hz: float) -> float:
    """The largest sample-to-sample change a faded ``amp`` sine at ``level`` may have."""
    signal_step = level * amp * 2 * np.sin(np.pi * hz / SR)
    return (signal_step + level * amp / monitor.fade_frames) * 1.01 + 1e-6


def on(**kw) -> VoiceMonitor:
    params = MonitorParams(**{k: kw.pop(k) for k in list(kw) if k in MonitorParams._fields})
    m = VoiceMonitor(SR, params=params, **kw)
    m.enabled = True
    return m


def test_ring_copies_across_the_wrap_and_detects_overwritten_frames():
    ring = FrameRing(1000, 2, max_write=256)
    assert ring.capacity == 1024
    data = np.arange(3000 * 2, dtype=np.float32).reshape(3000, 2)
    for s in range(0, 3000, 200):
        ring.write(data[s : s + 200])
    out = np.empty((500, 2), np.float32)
    assert ring.read(2500, out) and np.array_equal(out, data[2500:3000])  # wraps at 2048
    assert not ring.read(1500, out) and not out.any()  # overwritten: zeros, never torn data


def test_a_voice_comes_out_at_the_level_with_a_short_fixed_delay():
    m = on(level=0.6)
    x = chirp(2.0)
    y = run(m, x)
    assert y.shape == (x.size // OUT * OUT, 2) and y.dtype == np.float32
    assert np.array_equal(y[:, 0], y[:, 1])
    start = np.flatnonzero(y[:, 0])[0]
    corr = [np.dot(y[start + 2000 : start + 6000, 0], x[start + 2000 - d : start + 6000 - d]) for d in range(0, start + 2000)]
    delay = int(np.argmax(corr))
    assert delay == m.target  # 15 ms: the cushion kept for block timing
    assert delay * 1000 / SR <= 20
    steady = slice(start + m.fade_frames, y.shape[0])
    np.testing.assert_allclose(y[steady, 0], 0.6 * x[steady.start - delay : y.shape[0] - delay], atol=1e-6)
    ratio = np.sqrt(np.mean(y[steady, 0] ** 2) / np.mean(x[steady.start - delay : y.shape[0] - delay] ** 2))
    assert abs(ratio / 0.6 - 1) < 0.01
    # Moving the level ramps it (no step) and lands exactly.
    m = on(level=0.6)
    x = tone(1.0)
    half = 20 * OUT
    first = run(m, x[:half])
    m.set_params(level=0.3)
    z = np.concatenate([first, run(m, x[half:])])
    assert np.abs(np.diff(z[:, 0])).max() <= max_step_allowed(m, 0.6, 0.5, 440)
    assert abs(np.abs(z[-4000:, 0]).max() / (0.3 * 0.5) - 1) < 0.01


def test_reverb_on_leaves_a_decaying_tail_and_off_leaves_none():
    x = np.concatenate([tone(0.5), np.zeros(round(1.5 * SR), np.float32)])  # sings, then a live silence
    end = round(0.5 * SR)
    tails = {}
    for reverb in (False, True):
        m = on(level=0.8, reverb=reverb, room_size=0.6, wet_level=0.3)
        y = run(m, x)
        after = y[end + m.target + m.fade_frames + OUT :, :]
        windows = [np.sqrt(np.mean(after[i : i + 8820] ** 2)) for i in range(0, 6 * 8820, 8820)]  # 200 ms each
        tails[reverb] = windows
        if reverb:
            assert not np.array_equal(y[:, 0], y[:, 1])  # a wide (stereo) tail from a mono voice
    assert max(tails[False]) == 0.0  # dry: the voice stops with the input
    wet = tails[True]
    assert wet[0] > 1e-3  # a tail you hear...
    assert all(b < a for a, b in zip(wet, wet[1:])) and wet[-1] < wet[0] / 20  # ...that dies away


def test_underrun_fades_to_zeros_without_a_click():
    m = on(level=1.0)
    x = tone(0.3)
    y = run(m, x, extra_pulls=10)  # the input stops; the output keeps asking
    assert m.underruns == 1
    last = np.flatnonzero(y[:, 0])[-1]
    assert not y[last + 1 :].any() and y.shape[0] - last > 5 * OUT  # silence, exactly
    assert np.abs(np.diff(y[:, 0])).max() <= max_step_allowed(m, 1.0, 0.5, 440)
    # The input comes back: the voice fades in again, newest first.
    y2 = run(m, tone(0.3))
    assert np.abs(y2[-OUT:, 0]).max() > 0.49
    assert np.abs(np.diff(np.concatenate([y[:, 0], y2[:, 0]]))).max() <= max_step_allowed(m, 1.0, 0.5, 440)
    # Nothing pushed at all: nothing but zeros.
    idle = on()
    assert not idle.pull(OUT).any() and not idle.pull(3).any()


def test_overrun_drops_the_oldest_keeps_the_delay_bounded_and_does_not_click():
    m = on(level=1.0)
    x = tone(3.0)
    # The input runs 50 % fast (a burst, a slow output): 3 blocks of 512 per 1024 pulled.
    delays = []
    out = []
    for k, i in enumerate(range(0, x.size, IN), 1):
        m.push(x[i : i + IN])
        if k % 3 == 0:
            delays.append(m.ring.written - m._read)
            out.append(m.pull(OUT))
    y = np.concatenate(out)
    assert m.drops >= 3
    assert max(delays) <= m.max_delay + OUT + 2 * IN  # bounded: about 60 ms
    assert max(delays) * 1000 / SR < 90
    assert np.abs(np.diff(y[:, 0])).max() <= max_step_allowed(m, 1.0, 0.5, 440)
    # A whole second's burst before anyone listens: the output starts from the newest input.
    m2 = on(level=1.0)
    for i in range(0, SR, IN):
        m2.push(x[i : i + IN])
    m2.pull(OUT)
    assert m2.ring.written - m2._read == m2.target


def test_off_takes_nothing_and_costs_nothing():
    m = VoiceMonitor(SR)
    assert not m.enabled and not m.active
    m.push(tone(0.1))
    assert m.ring.written == 0 and not m.pull(OUT).any()
    m.enabled = True
    run(m, tone(0.2))
    assert m.active
    m.enabled = False  # turned off while playing: fades out, then idle
    tail = np.concatenate([m.pull(OUT) for _ in range(4)])
    assert not m.active and not tail[-OUT:].any()


@pytest.mark.parametrize("bad", [np.zeros(0, np.float32), np.zeros(20000, np.float32)])
def test_empty_and_huge_blocks(bad):
    m = on()
    m.push(bad)
    assert m.ring.written == bad.size
    assert m.pull(20000).shape == (20000, 2)
