"""Model and app registries, and ``kerasdl models list``."""

import pathlib
import re
import subprocess
import sys

import keras
import pytest

import kerasdl
from kerasdl import registry
from kerasdl.models.restoration import edsr, espcn, srcnn

SR_MODELS = ["edsr", "espcn", "srcnn"]
REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the model registry, so test registrations vanish afterwards."""
    registry.import_all_builders()  # the real builders first
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
        assert entry.builder is builder and entry.family == "restoration"
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
    assert kerasdl.list_models("*n", family="restoration") == ["dncnn", "espcn", "srcnn"]
    assert kerasdl.list_models("nothing*") == []
    assert kerasdl.list_models(family="restoration") == ["dncnn", *SR_MODELS, "srgan_discriminator", "srresnet"]
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
        registry.register_model("edsr", family="restoration")(lambda: None)
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
    from kerasdl.apps import SuperResolution
    from kerasdl.apps.cli import AppCLI
    from kerasdl.apps.task import Task

    assert registry.get_app("super_resolution") is SuperResolution
    assert registry.get_app("sr") is SuperResolution  # an alias: the names users typed before
    entry = registry.app_entry("sr")
    assert entry.name == "super_resolution" and "sr" in entry.aliases and entry.cli.task is SuperResolution
    assert entry.summary.startswith("Single-image super-resolution")
    assert set(registry.list_apps()) == {
        "captioning",
        "classification",
        "denoising",
        "detect",
        "embeddings",
        "generation",
        "img2img",
        "play",
        "segment",
        "sentiment",
        "stylize",
        "super_resolution",
        "textgen",
        "translation",
    }
    for name in registry.list_apps():
        task = registry.get_app(name)
        assert issubclass(task, Task) and task.name == name
    with pytest.raises(
        ValueError, match=r"Unknown app name; Received: name='super_resolutio'\. Did you mean: super_resolution"
    ):
        registry.get_app("super_resolutio")
    with pytest.raises(ValueError, match=r"Received: name='zzz'\. Known: .*super_resolution"):
        registry.get_app("zzz")

    class Upscaling(Task):
        name, aliases = "upscaling", ("sr",)

    with pytest.raises(ValueError, match="An app named 'sr' is already registered"):
        registry.register_app(AppCLI(Upscaling))

    class Colorization(Task):
        """Colourises gray photos."""

        name = "colorization"

    registry.register_app(AppCLI(Colorization))
    assert registry.get_app("colorization") is Colorization and "colorization" in registry.list_apps()


def test_models_list_cli(cli):
    # A pattern: building every model (the ResNets among them) takes long.
    code, out, err = cli(["models", "list", "[es]*", "--parameters"])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert re.match(r"name\s+family\s+parameters\s+description", lines[0])
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == set(registry.list_models("[es]*")) >= {"srcnn", "espcn", "edsr", "show_attend_tell"}
    expected = {"srcnn": srcnn(), "espcn": espcn(), "edsr": edsr()}
    for name, model in expected.items():
        assert rows[name][1] == "restoration"
        assert rows[name][2] == f"{model.count_params():,}"
    assert rows["srcnn"][2] == "8,129"


def test_models_list_cli_without_parameters(cli):
    code, out, err = cli(["models", "list"])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert re.fullmatch(r"name\s+family\s+description", lines[0])
    assert out.strip() == registry.format_model_table()
    edsr_row = next(line for line in lines if line.startswith("edsr "))
    assert re.fullmatch(r"edsr\s+restoration\s+EDSR: .*", edsr_row)
    assert not re.search(r"\d,\d{3}", out)  # no parameter counts


def test_models_list_cli_pattern(cli):
    code, out, _ = cli(["models", "list", "e*"])
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()[1:]]
    assert names == ["edsr", "espcn"]


def _kerasdl_modules(names):
    return {
        name: entry.builder.__module__
        for name, entry in names.items()
        if entry.builder.__module__.startswith("kerasdl.")
    }


def test_builders_table_is_what_the_modules_register():
    registry.import_all_builders()
    assert _kerasdl_modules(registry._MODELS) == registry.BUILDERS
    assert set(registry.BUILDERS) <= set(registry.list_models())


def test_family_is_the_folder():
    for name, module in registry.BUILDERS.items():
        entry = registry.model_entry(name)
        folder = pathlib.Path(sys.modules[module].__file__).parent
        assert folder.parent == REPO / "kerasdl" / "models", module
        assert entry.family == folder.name, f"{name}: register_model(family={entry.family!r}) in {module}"
        assert registry.list_models(name, family=folder.name) == [name]
    assert "unet" not in registry.list_models(family="vision")  # vision means image classifiers


def test_descriptions_read_from_source_are_the_docstrings():
    for name, module in registry.BUILDERS.items():
        summary = registry.model_entry(name).summary
        assert summary and registry._source_summary(name, module) == summary, name
    table = registry.format_model_table()
    for name in registry.BUILDERS:
        assert registry.model_entry(name).summary in table


def test_format_model_table_pattern_and_family():
    table = registry.format_model_table("e*", family="restoration").splitlines()
    assert [line.split()[:2] for line in table] == [
        ["name", "family"],
        ["edsr", "restoration"],
        ["espcn", "restoration"],
    ]
    assert registry.format_model_table("nothing*").split() == ["name", "family", "description"]


def _run_python(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_listing_imports_no_builder_and_no_keras():
    out = _run_python(
        "import sys, kerasdl.registry as r; r.list_models(); print(r.format_model_table());"
        " bad = [m for m in sys.modules if m in ('tensorflow', 'keras') or m.startswith('kerasdl.models.')];"
        " assert not bad, bad"
    )
    assert "edsr " in out and "vgg19 " in out


def test_kerasdl_names_are_taken_before_their_modules_are_imported():
    out = _run_python(
        "import sys, kerasdl.registry as r\n"
        "try:\n    r.register_model('resnet50', family='mine')(lambda: None)\n"
        "except ValueError as err:\n    print(err)\n"
        "assert 'kerasdl.models.vision.resnet' not in sys.modules"
    )
    assert "A model named 'resnet50' is already registered" in out


def test_get_model_imports_only_the_module_it_needs():
    _run_python(
        "import sys, kerasdl; kerasdl.get_model('espcn');"
        " assert 'kerasdl.models.restoration.super_resolution' in sys.modules;"
        " assert not [m for m in sys.modules if m.startswith(('kerasdl.models.vision', 'kerasdl.models.sequence'))]"
    )
