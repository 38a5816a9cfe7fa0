"""Settings: file, environment and flags; a bad value names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from belfort.settings import SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "belfort.toml"
    path.write_text(text)
    return path


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, environ={})
    assert settings.server.port == 8080
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'belfort.db'}"
    assert settings.policy.administrative_consult_days == 30


def test_file_then_environment_then_flag(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "/srv/one"\n[server]\nport = 9000\nhost = "0.0.0.0"\n')
    settings = load_settings(path, environ={"BELFORT_SERVER__PORT": "9100"})
    assert (settings.server.port, settings.server.host, str(settings.data_dir)) == (9100, "0.0.0.0", "/srv/one")
    flagged = load_settings(path, data_dir=tmp_path / "two", environ={})
    assert flagged.data_dir == tmp_path / "two"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[security]\nlogin_free_failures_per_name = 3\n")
    settings = load_settings(environ={"BELFORT_CONFIG": str(path)})
    assert settings.security.login_free_failures_per_name == 3


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("[server]\nport = 70000\n", "server.port", "less than or equal to 65535"),
        ('[server]\nport = "eighty"\n', "server.port", "valid integer"),
        ("[server]\nprot = 8080\n", "server.prot", "unknown setting"),
        ("[databse]\nurl = ''\n", "databse", "unknown setting"),
        ('[database]\nurl = "mysql://x"\n', "database.url", "postgresql"),
        ("[policy]\nadministrative_consult_days = 0\n", "policy.administrative_consult_days", "greater than"),
        ("[security]\npassword_min_length = 4\n", "security.password_min_length", "greater than"),
    ],
)
def test_bad_file_names_the_key(tmp_path: Path, text: str, key: str, hint: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as error:
        load_settings(path, environ={})
    message = str(error.value)
    assert key in message and hint in message and str(path) in message


def test_bad_environment_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"server\.port"):
        load_settings(data_dir=tmp_path, environ={"BELFORT_SERVER__PORT": "many"})


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "[server\nport = 1"), environ={})
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})
