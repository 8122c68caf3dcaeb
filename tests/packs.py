"""Small hand-written packs for tests: readable enough to check figures by hand."""

from __future__ import annotations

from pathlib import Path

PACK_TOML = '''[footprint]
name = "Test footprint"
base_year = "2015/16"
horizon_year = "2020/21"

[finance]
discount_rate = 0.035
'''

LOCALITIES = '''locality_id,locality,group,population
A1,Ashby,North,10000
B2,"St Mary's & Bank (East)",North,50000
C3,Cray,South,4000
'''

ACTIVITY = '''locality_id,pod,activity
A1,non_elective,1000
A1,outpatient,20000
B2,non_elective,4000
B2,outpatient,90000
C3,non_elective,300
C3,outpatient,7000
'''

PODS = '''pod,growth,unit_cost
non_elective,0.023,3000
outpatient,0.033,185
'''

REQUIRED = {"pack.toml": PACK_TOML, "localities.csv": LOCALITIES, "activity.csv": ACTIVITY, "pods.csv": PODS}


def write_pack(folder: Path, **files: str | bytes | None) -> Path:
    """Write the minimal four-file pack to `folder`; keyword arguments replace (or, with None, drop) files.

    Keyword names are file names with the dot as an underscore: localities_csv="...", pack_toml=None.
    """
    folder.mkdir(parents=True, exist_ok=True)
    contents = dict(REQUIRED)
    for key, value in files.items():
        name = key[::-1].replace("_", ".", 1)[::-1]
        contents[name] = value
    for name, value in contents.items():
        if value is None:
            continue
        target = folder / name
        if isinstance(value, bytes):
            target.write_bytes(value)
        else:
            target.write_text(value, encoding="utf-8")
    return folder
