"""Widget tests: a file store (a temporary folder, or a bucket on the test S3 server), the installed widgets and
divisions, the compiled forms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shenbao.files import FileStore
from shenbao.forms import CompiledForm
from shenbao.packs import FormRegistry
from shenbao.regions import Divisions
from shenbao.settings import S3Files
from shenbao.widgets import WidgetRegistry, WidgetServices
from tests.support.packs import gansu_divisions, gansu_widgets


@pytest.fixture
def files(file_place: Path | S3Files) -> FileStore:
    return FileStore(file_place, secret="test-secret")


@pytest.fixture
def services(files: FileStore) -> WidgetServices:
    return WidgetServices(files=files)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def divisions() -> Divisions:
    """Gansu's divisions, as the Gansu pack ships them."""
    return gansu_divisions()


@pytest.fixture(scope="session")
def widgets() -> WidgetRegistry:
    """The widgets of Gansu's forms: the platform's, made for the Gansu pack."""
    return gansu_widgets()


@pytest.fixture(scope="session")
def gansu_forms() -> FormRegistry:
    """The Gansu forms compiled as the platform compiles them: with the widgets' own answer checks."""
    return FormRegistry.from_packs(["gansu"], cleaners=gansu_widgets().cleaners())


@pytest.fixture(scope="session")
def zizhu(gansu_forms: FormRegistry) -> CompiledForm:
    form = gansu_forms.get("gansu-zizhu-2021")
    assert form is not None
    return form


@pytest.fixture(scope="session")
def yijian(gansu_forms: FormRegistry) -> CompiledForm:
    form = gansu_forms.get("gansu-yijian-2023")
    assert form is not None
    return form


@pytest.fixture
def no_page_facts() -> Iterator[None]:
    from shenbao.widgets import set_page_facts

    set_page_facts()
    yield
    set_page_facts()
