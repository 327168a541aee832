"""Client config: safe YAML, typed schema, errors that name the file, the key and what was expected."""

from pathlib import Path

import pytest

from cxnb.config import load_config, slugify
from cxnb.errors import ConfigError
from cxnb.paths import REPORTS
from conftest import DATA


def test_template_is_a_valid_config_apart_from_its_example_paths():
    # The template documents every key; only its example data paths do not exist.
    with pytest.raises(ConfigError) as err:
        load_config(Path(__file__).parents[1] / "templates" / "client.yaml")
    message = str(err.value)
    assert "`sources.responses.path`: no file at" in message
    assert "`sources.customers.path`: no file at" in message
    assert "`maturity.questionnaire`: no file at" in message
    assert message.count("  - `") == 3  # nothing else in the template is wrong


def test_paths_resolve_relative_to_the_config_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "customers.csv").write_text("customer_id\n1\n")
    (tmp_path / "client.yaml").write_text("name: Acme\nsources:\n  customers:\n    path: data/customers.csv\n")
    config = load_config(tmp_path / "client.yaml")
    assert config.sources["customers"].path == tmp_path.resolve() / "data" / "customers.csv"


def test_python_tag_is_refused_and_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"bad_python_tag.yaml: line 1, column 7: not valid plain YAML"):
        load_config(DATA / "bad_python_tag.yaml")
    assert not (tmp_path / "pwned.txt").exists()


def test_client_name_with_parent_folders_cannot_escape_the_output_folder():
    config = load_config(DATA / "client_name_dotdot.yaml")
    assert config.name == "../../outside"
    assert config.slug == "outside"
    target = (REPORTS / config.slug).resolve()
    assert target.parent == REPORTS.resolve()


@pytest.mark.parametrize("name, slug", [
    ("Brewline Coffee Ltd.", "brewline-coffee-ltd"),
    ("..", None),
    ("/etc/passwd", "etc-passwd"),
    ("C:\\Windows", "c-windows"),
    ("Zoë & Ünal GmbH", "zoe-unal-gmbh"),
])
def test_slugify(name, slug):
    if slug is None:
        with pytest.raises(ConfigError, match="has no letters or digits"):
            slugify(name)
    else:
        assert slugify(name) == slug


def test_every_problem_is_reported_with_its_key(tmp_path):
    (tmp_path / "client.yaml").write_text(
        "name: Acme\n"
        "min_base: 0\n"
        "timezone: Mars/Olympus\n"
        "colour: blue\n"
        "scales: {nps: {min: 10, max: 0}}\n"
        "channels: [web]\n"
        "journey:\n"
        "  stages: [{id: buy, name: Buy, channels: [fax]}]\n"
        "  event_stage_map: {checkout: pay}\n"
        "kpis: {nps: {target: 30, owner: CX lead}}\n"
        "sources:\n"
        "  customers: {path: missing.csv, format: xls}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "client.yaml")
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'client.yaml'}: 8 problem(s)")
    for expected in [
        "`min_base`: Input should be greater than or equal to 1",
        "`timezone`: unknown time zone 'Mars/Olympus'",
        "`colour`: unknown key",
        "`scales.nps`: min (10) must be below max (0)",
        "`journey`: event_stage_map points to unknown stage(s) pay; expected one of buy",
        "`kpis.nps.by`: required key is missing",
        "`sources.customers.path`: no file at",
        "`sources.customers.format`: Input should be 'csv', 'tsv', 'excel', 'parquet', 'qualtrics', 'surveymonkey' or 'xes'",
    ]:
        assert expected in message


def test_stage_channels_must_be_declared(tmp_path):
    (tmp_path / "c.csv").write_text("customer_id\n1\n")
    (tmp_path / "client.yaml").write_text(
        "name: Acme\nchannels: [web]\njourney: {stages: [{id: buy, name: Buy, channels: [fax]}]}\n"
        "sources: {customers: {path: c.csv}}\n")
    with pytest.raises(ConfigError, match=r"journey stages use channel\(s\) fax not listed in `channels` \(web\)"):
        load_config(tmp_path / "client.yaml")


def test_yaml_booleans_and_numbers_get_a_hint(tmp_path):
    (tmp_path / "c.csv").write_text("customer_id\n1\n")
    (tmp_path / "client.yaml").write_text("name: 007\nchannels: [web, no]\nsources: {customers: {path: c.csv}}\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "client.yaml")
    assert "`name`: Input should be a valid string (YAML read 7 as a number" in str(err.value)
    assert "`channels.1`: Input should be a valid string (YAML read an unquoted yes/no/on/off as False" in str(err.value)


def test_missing_or_non_mapping_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping of keys"):
        load_config(tmp_path / "list.yaml")
