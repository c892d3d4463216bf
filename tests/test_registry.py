"""Model and app registries, and ``kerasdl models list``."""

import re

import keras
import pytest

import kerasdl
from kerasdl import registry
from kerasdl.models.restoration import edsr, espcn, srcnn

SR_MODELS = ["edsr", "espcn", "srcnn"]


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the model registry, so test registrations vanish afterwards."""
    registry.list_models()  # the real builders first
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    monkeypatch.setattr(registry, "_APPS", dict(registry._APPS))
    return registry


def test_top_level_api():
    assert kerasdl.get_model is registry.get_model
    assert kerasdl.list_models is registry.list_models
    assert kerasdl.register_model is registry.register_model
    assert re.fullmatch(r"\d+\.\d+\.\d+", kerasdl.__version__)


def test_the_super_resolution_builders_are_registered():
    assert set(SR_MODELS) <= set(kerasdl.list_models())
    assert kerasdl.list_models() == sorted(kerasdl.list_models())
    for name, builder in zip(SR_MODELS, (edsr, espcn, srcnn)):
        entry = registry.model_entry(name)
        assert entry.builder is builder and entry.family == "super_resolution"
        assert entry.summary and "\n" not in entry.summary
    assert registry.model_entry("edsr").summary.startswith("EDSR:")


def test_get_model_passes_keyword_arguments():
    model = kerasdl.get_model("espcn", scale=2, channels=3, filters=(8, 4))
    assert isinstance(model, keras.Model)
    assert model.output_shape == (None, None, None, 3)
    assert model.count_params() == espcn(scale=2, channels=3, filters=(8, 4)).count_params()


def test_list_models_pattern_and_family(scratch_registry):
    @registry.register_model("test_denoiser", family="scratch_family")
    def build():
        """A test builder."""
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    assert kerasdl.list_models("e*") == ["edsr", "espcn"]
    assert kerasdl.list_models("*n", family="super_resolution") == ["espcn", "srcnn"]
    assert kerasdl.list_models("nothing*") == []
    assert kerasdl.list_models(family="super_resolution") == SR_MODELS
    assert kerasdl.list_models(family="scratch_family") == ["test_denoiser"]
    assert kerasdl.list_models("e*", family="scratch_family") == []
    assert "test_denoiser" in kerasdl.list_models()
    assert isinstance(kerasdl.get_model("test_denoiser"), keras.Model)


def test_register_model_defaults_to_the_function_name(scratch_registry):
    @registry.register_model(family="testing")
    def tiny_builder():
        return None

    assert registry.model_entry("tiny_builder").builder is tiny_builder
    assert registry.model_entry("tiny_builder").summary == ""


def test_duplicate_model_name(scratch_registry):
    with pytest.raises(ValueError, match=r"already registered; Received: name='edsr'"):
        registry.register_model("edsr", family="super_resolution")(lambda: None)
    assert registry.model_entry("edsr").builder is edsr  # the original is kept

    @registry.register_model("once", family="testing")
    def first():
        return None

    with pytest.raises(ValueError, match="'once' is already registered"):

        @registry.register_model(family="testing")
        def once():
            return None

    assert registry.model_entry("once").builder is first


@pytest.mark.parametrize("typo, suggestion", [("edsrr", "edsr"), ("srcn", "srcnn"), ("espnc", "espcn")])
def test_unknown_model_suggests_close_matches(typo, suggestion):
    with pytest.raises(ValueError, match=rf"Received: name='{typo}'\. Did you mean: .*\b{suggestion}\b"):
        kerasdl.get_model(typo)


def test_unknown_model_without_close_match_lists_known():
    with pytest.raises(ValueError, match=r"name='zzz_qq'\. Known: .*edsr, espcn.*srcnn") as info:
        kerasdl.get_model("zzz_qq")
    assert "Did you mean" not in str(info.value)


def test_app_registry(scratch_registry):
    app = registry.get_app("super_resolution")
    assert "sr" in app.aliases
    assert callable(app.add_commands)
    assert "super_resolution" in registry.list_apps()
    with pytest.raises(
        ValueError, match=r"Unknown app name; Received: name='super_resolutio'\. Did you mean: super_resolution"
    ):
        registry.get_app("super_resolutio")
    with pytest.raises(ValueError, match=r"Received: name='zzz'\. Known: .*super_resolution"):
        registry.get_app("zzz")
    with pytest.raises(ValueError, match="An app named 'super_resolution' is already registered"):
        registry.register_app("super_resolution")(object)
    assert registry.get_app("super_resolution") is app


def test_models_list_cli(cli):
    code, out, err = cli(["models", "list"])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert re.match(r"name\s+family\s+parameters\s+description", lines[0])
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(SR_MODELS) <= set(rows)
    expected = {"srcnn": srcnn(), "espcn": espcn(), "edsr": edsr()}
    for name, model in expected.items():
        assert rows[name][1] == "super_resolution"
        assert rows[name][2] == f"{model.count_params():,}"
    assert rows["srcnn"][2] == "8,129"


def test_models_list_cli_pattern(cli):
    code, out, _ = cli(["models", "list", "e*"])
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()[1:]]
    assert names == ["edsr", "espcn"]
