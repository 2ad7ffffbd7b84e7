"""Sound-device helpers shared by the audio output (engine) and the microphone (sing)."""

from __future__ import annotations


def close_stream(stream) -> None:
    """Stop and close a sounddevice stream (``None`` is fine); a device that vanished is not an error."""
    if stream is None:
        return
    try:
        stream.stop()
        stream.close()
    except Exception:  # PortAudio errors on unplugged devices: the stream is gone either way
        pass
