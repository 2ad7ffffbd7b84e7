"""The SoundNet Karaoke desktop app (Qt): wires the core to the screen.

Modules: :mod:`.app` (entry point, theme), :mod:`.main_window` (layout and
wiring), :mod:`.widgets` (message banner, drop hint, transport bar),
:mod:`.waveform` (waveform views), :mod:`.threads` (background threads),
:mod:`.player` (mixer and audio output), :mod:`.song` (the loaded song and
what of it is separated), :mod:`.settings` (QSettings wrapper),
:mod:`.dialogs` (injectable dialogs), :mod:`.bench_app` (responsiveness benchmark).
"""
