"""The app's runtime and precision settings reach the separation layer (and the stem cache's key)."""

from soundnet_app.separation import catalog, runtime


def test_settings_choose_the_precision_and_key_the_cache(make_window, settings, monkeypatch, model_path):
    monkeypatch.delenv("SOUNDNET_PRECISION", raising=False)
    monkeypatch.delenv("SOUNDNET_RUNTIME", raising=False)
    settings.q.setValue("model/precision", "bfloat16")
    settings.q.setValue("model/runtime", "tensorflow")
    try:
        make_window(settings=settings)
        assert runtime.choose_precision() == "bfloat16"
        assert runtime.choose_runtime() == "tensorflow"
        assert catalog.model_version_of(model_path) == catalog.model_version(model_path, precision="bfloat16")
        monkeypatch.setenv("SOUNDNET_PRECISION", "float32")  # the environment still overrides the setting
        assert catalog.model_version_of(model_path) == catalog.model_version(model_path, precision="float32")
    finally:
        runtime.set_preferences(None, None)


def test_default_settings_are_automatic(settings):
    assert (settings.runtime, settings.precision) == ("auto", "auto")
