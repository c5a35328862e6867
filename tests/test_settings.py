import pytest

from service.settings import SettingsError, load_settings


def test_defaults_come_from_the_toml_file():
    s = load_settings(environ={})
    assert s.database_url.startswith("sqlite:///")
    assert s.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert s.max_batch == 500


def test_environment_overrides_the_file_and_lists_split_on_commas():
    s = load_settings(environ={"NEWSPRISM_API_KEYS": "a, b", "NEWSPRISM_MAX_BATCH": "7",
                               "NEWSPRISM_CLUSTERING__WINDOW_DAYS": "5"})
    assert s.api_keys == ["a", "b"]
    assert s.max_batch == 7
    assert s.clustering["window_days"] == 5


def test_overrides_win_over_the_environment():
    s = load_settings({"max_batch": 3}, environ={"NEWSPRISM_MAX_BATCH": "7"})
    assert s.max_batch == 3


@pytest.mark.parametrize("var,value", [
    ("NEWSPRISM_MAX_BATCH", "many"),
    ("NEWSPRISM_EMBED_BACKEND", "gpu"),
    ("NEWSPRISM_DATABASE_URL", "mysql://x"),
    ("NEWSPRISM_PRELOAD_MODEL", "perhaps"),
])
def test_a_bad_value_fails_naming_the_variable(var, value):
    with pytest.raises(SettingsError) as err:
        load_settings(environ={var: value})
    assert var in str(err.value)


def test_an_unknown_variable_is_an_error():
    with pytest.raises(SettingsError, match="NEWSPRISM_DATBASE_URL"):
        load_settings(environ={"NEWSPRISM_DATBASE_URL": "sqlite:///x.db"})


def test_unknown_clustering_parameter_is_rejected_at_start():
    from service.wiring import build_services

    with pytest.raises(ValueError, match="no_such_knob"):
        build_services(load_settings({"clustering": {"no_such_knob": 1}}, environ={}))
