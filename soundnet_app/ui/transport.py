"""The transport: play/pause, A/B, solo/mute, the two level sliders, seeking, and their shortcuts.

:class:`TransportControls` is the main window's own part: it creates the
Playback menu's actions (each added to the window, so its shortcut works with
the menu bar hidden), the :class:`~soundnet_app.ui.widgets.TransportBar`, and
asks the engine's :class:`~soundnet_app.engine.playback.Playback` for every
change; the bar shows what the playback holds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.mix import KARAOKE
from soundnet_app.ui.waveform import format_time
from soundnet_app.ui.widgets import TransportBar, shortcut_text

LEVEL_STEP = 10  # % per key press on the level shortcuts
SEEK_STEP_S = 5.0


class TransportControls:
    """The window's transport actions and bar, on the window's :class:`Playback`.

    Args:
        window: the main window (its ``add_action``, ``playback``, ``output``, ``song``, ``opener``,
            ``separation``, ``waveforms``, ``banner``, ``settings`` and status bar are used).
    """

    def __init__(self, window):
        self.window = window
        self.playback = window.playback
        a = window.add_action
        self.play_action = a("&Play / Pause", self.toggle_play, Qt.Key.Key_Space, "Play or pause")
        self.ab_action = a("Original / &Karaoke", self.toggle_ab, Qt.Key.Key_A,
                           "Switch between the original song and the karaoke version")
        self.solo_action = a("&Solo Vocals", lambda on: self.set_vocal_toggle("solo", on), Qt.Key.Key_S,
                             "Hear only the vocals", checkable=True)
        self.mute_action = a("&Mute Vocals", lambda on: self.set_vocal_toggle("mute", on), Qt.Key.Key_M,
                             "Silence the guide vocal", checkable=True)
        self.back_action = a("&Back 5 s", lambda: self.seek_relative(-SEEK_STEP_S), Qt.Key.Key_Left,
                             "Jump back five seconds")
        self.forward_action = a("&Forward 5 s", lambda: self.seek_relative(SEEK_STEP_S), Qt.Key.Key_Right,
                                "Jump forward five seconds")
        self.start_action = a("Go to S&tart", lambda: self.seek_seconds(0.0), Qt.Key.Key_Home,
                              "Jump to the beginning")
        self.guide_up_action = a("Guide Vocal &Louder", lambda: self.step_level("vocal", 1), Qt.Key.Key_Up,
                                 "Raise the guide vocal by 10 %")
        self.guide_down_action = a("Guide Vocal S&ofter", lambda: self.step_level("vocal", -1), Qt.Key.Key_Down,
                                   "Lower the guide vocal by 10 %")
        self.inst_up_action = a("&Instrumental Louder", lambda: self.step_level("instrumental", 1), "Shift+Up",
                                "Raise the instrumental by 10 %")
        self.inst_down_action = a("I&nstrumental Softer", lambda: self.step_level("instrumental", -1),
                                  "Shift+Down", "Lower the instrumental by 10 %")
        self.menu_actions = (self.play_action, self.ab_action, None, self.solo_action, self.mute_action, None,
                             self.guide_up_action, self.guide_down_action, self.inst_up_action,
                             self.inst_down_action, None, self.back_action, self.forward_action, self.start_action)

        self.bar = bar = TransportBar(self.play_action, self.ab_action, self.solo_action, self.mute_action)
        self.play_button, self.time_label, self.region_label = bar.play_button, bar.time_label, bar.region_label
        self.ab_button, self.solo_button, self.mute_button = bar.ab_button, bar.solo_button, bar.mute_button
        self.vocal_slider, self.vocal_value = bar.vocal_slider, bar.vocal_value
        self.inst_slider, self.inst_value = bar.inst_slider, bar.inst_value
        self.play_button.clicked.connect(self.toggle_play)
        self.ab_button.clicked.connect(self.toggle_ab)
        self.solo_button.toggled.connect(self.solo_action.setChecked)
        self.mute_button.toggled.connect(self.mute_action.setChecked)
        self.vocal_slider.valueChanged.connect(lambda value: self._vocal_level_changed(value, from_slider=True))
        self.inst_slider.valueChanged.connect(self._inst_level_changed)

    # -- verbs --------------------------------------------------------------

    def toggle_play(self) -> None:
        w, playback = self.window, self.playback
        opener = w.opener
        if opener.loading is not None:
            # Space right after a drop means the new song: never the one on its way out.
            opener.play_on_load = not opener.play_on_load
            playback.pause()
            self.update_play_button()
            if opener.play_on_load:
                w.show_status(f"{opener.loading.name} will play as soon as it is open", 4000)
            return
        if w.song is None:
            return
        if playback.playing:
            playback.pause()
        else:
            if not w.output.start():
                w.show_banner(w.output.reason, "warning")
                w.refresh_controls()
                return
            playback.play()
        self.update_play_button()

    def toggle_ab(self) -> None:
        self.playback.toggle_mode()
        self.update_mode_controls()

    def set_mode(self, mode: str) -> None:
        self.playback.set_mode(mode)
        self.update_mode_controls()

    def set_vocal_toggle(self, name: str, on: bool) -> None:
        """Solo or mute (``name``) the vocals; turning one on turns the other off and picks karaoke."""
        (self.playback.set_solo if name == "solo" else self.playback.set_mute)(on)
        self.update_mode_controls()  # the actions and buttons follow (the other one is off now)

    def step_level(self, which: str, direction: int) -> None:
        slider = self.vocal_slider if which == "vocal" else self.inst_slider
        if slider.isEnabled():
            slider.setValue(slider.value() + direction * LEVEL_STEP)

    def seek_seconds(self, seconds: float) -> None:
        """Jump to ``seconds``; a jump into a part not separated yet moves the separation there."""
        w = self.window
        if w.song is None:
            return
        frame = self.playback.seek(round(seconds * SAMPLE_RATE))
        w.waveforms.set_playhead(frame / SAMPLE_RATE)
        self.show_time(frame)
        w.separation.seeked(w.song, frame)

    def show_position(self) -> None:
        """The playhead and the time where the playback is (a song opened where it was left)."""
        frame = self.playback.position
        self.window.waveforms.set_playhead(frame / SAMPLE_RATE)
        self.show_time(frame)

    def seek_relative(self, delta_s: float) -> None:
        if self.window.song is not None:
            self.seek_seconds(self.playback.position / SAMPLE_RATE + delta_s)

    # -- levels -------------------------------------------------------------

    def restore_levels(self, vocal_level: float, instrumental_level: float) -> None:
        """The levels set with no song open (stored in the settings): where new songs start."""
        self.vocal_slider.setValue(round(vocal_level * 100))
        self.inst_slider.setValue(round(instrumental_level * 100))
        self._vocal_level_changed(self.vocal_slider.value())
        self._inst_level_changed(self.inst_slider.value())

    def show_levels(self) -> None:
        """Move the sliders to the playback's levels (a song opened with remembered ones)."""
        params = self.playback.params
        self.vocal_slider.setValue(round(params.vocal_level * 100))
        self.inst_slider.setValue(round(params.instrumental_level * 100))

    def _vocal_level_changed(self, value: int, from_slider: bool = False) -> None:
        self.vocal_value.setText(f"{value} %")
        self.playback.set_levels(vocal_level=value / 100)
        if self.window.song is None:  # with a song open the level is that song's own (Playback remembers it)
            self.window.settings.vocal_level = self.playback.new_song_levels["vocal_level"] = value / 100
        if from_slider and value > 0 and self.playback.params.mute:
            self.mute_action.setChecked(False)  # moving the guide up means "let me hear it"
        self.update_mode_controls()

    def _inst_level_changed(self, value: int) -> None:
        self.inst_value.setText(f"{value} %")
        self.playback.set_levels(instrumental_level=value / 100)
        if self.window.song is None:
            self.window.settings.instrumental_level = self.playback.new_song_levels["instrumental_level"] = value / 100

    # -- what the bar shows ------------------------------------------------------

    def show_time(self, frame: int) -> None:
        song = self.window.song
        total = song.duration_s if song else 0.0
        self.time_label.setText(f"{format_time(frame / SAMPLE_RATE)} / {format_time(total)}")

    def show_region(self, text: str) -> None:
        if self.region_label.text() != text:
            self.region_label.setText(text)

    def update_controls(self) -> None:
        w = self.window
        has_song = w.song is not None
        can_play = has_song and w.output.available
        self.play_action.setEnabled(can_play)
        self.play_button.setEnabled(can_play)
        if has_song and not w.output.available:
            self.play_button.setToolTip(f"Playback is off: {w.output.reason}")
        else:
            self.play_button.setToolTip(f"Play or pause ({shortcut_text(self.play_action)})")
        for control in (self.back_action, self.forward_action, self.start_action, self.ab_action,
                        self.solo_action, self.ab_button, self.solo_button, self.vocal_slider, self.inst_slider,
                        self.guide_up_action, self.guide_down_action, self.inst_up_action, self.inst_down_action):
            control.setEnabled(has_song)
        self.update_play_button()
        self.update_mode_controls()

    def update_play_button(self) -> None:
        self.play_button.setText("❚❚" if self.playback.playing else "▶")

    def update_mode_controls(self) -> None:
        params = self.playback.params
        karaoke = params.mode == KARAOKE
        self.ab_button.setChecked(karaoke)
        self.ab_button.setText("Karaoke" if karaoke else "Original")
        key = shortcut_text(self.ab_action)
        self.ab_button.setToolTip(
            f"Playing the karaoke version; click to hear the original ({key})" if karaoke
            else f"Playing the original song; click to hear the karaoke version ({key})")
        for action, button, on in ((self.solo_action, self.solo_button, params.solo),
                                   (self.mute_action, self.mute_button, params.mute)):
            for control in (action, button):
                if control.isChecked() != on:
                    control.blockSignals(True)
                    control.setChecked(on)
                    control.blockSignals(False)
        # Mute silences the guide vocal: with the guide at 0 % there is nothing to mute.
        can_mute = self.window.song is not None and (params.vocal_level > 0 or params.mute)
        self.mute_action.setEnabled(can_mute)
        self.mute_button.setEnabled(can_mute)
        key = shortcut_text(self.mute_action)
        self.mute_button.setToolTip(
            f"Silence the guide vocal, now at {round(params.vocal_level * 100)} % ({key})" if can_mute
            else "The guide vocal is at 0 %: raise the Guide vocal slider to hear the singer; "
                 f"Mute then silences it ({key})")
