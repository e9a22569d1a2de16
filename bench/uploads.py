"""Uploads under attack: memory of simultaneous decodes, and what a flood of pictures leaves on disk.

Each scenario runs in a fresh process (``--child``): ``create_app`` over a fresh SQLite file, driven in-process by
Litestar's ``TestClient`` from 16 or 30 threads at once, as phones would. Its resident memory is read every
5 ms while the uploads run; the peak is compared with the resident memory just before them (after one small
upload, so the imports and the first decode are in the baseline). The pictures are made beforehand in the parent, so
making them costs the child nothing.

- ``png-bomb``: 16 simultaneous uploads of the issue's picture, a 6300×6300 PNG of 38 KB (it decodes into
  160 MB and more per copy); **the ceiling**: the peak must stay within :data:`CEILING_MB` of the baseline.
- ``largest-accepted``: 16 simultaneous uploads of the largest pictures still accepted, four each: a 64 MP
  baseline JPEG (square: the worst case of reduced decoding), a 12 MP progressive JPEG (4:4:4), a 4K PNG
  screenshot and a 2560×1600 WebP (documents); same ceiling.
- ``flood-without-draft``: 30 photos of noise (1280×960, what the camera script sends; noise is the worst
  case for the re-encoded size) from a phone that has no draft: how many were kept, and their bytes.
- ``flood-with-draft``: 150 such photos for one draft, 30 at a time: the draft's quota keeps 100.

``--code DIR`` runs the children on another checkout's ``platform/`` (e.g. ``git archive`` of an older commit
unpacked in DIR), to measure before a change.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import FORM_ID, Row, arguments, guide_read, migrated_settings, report, temp_dir

CEILING_MB = 300
"""How far above its baseline 16 simultaneous uploads may take the process (``DECODES_AT_ONCE`` decodes of
about 100 MB at most, the others waiting with their bytes)."""
SCENARIOS = ("png-bomb", "largest-accepted", "flood-without-draft", "flood-with-draft")
_PHOTO = "/widgets/photo/upload"
_DOCUMENT = "/widgets/upload/upload"


def make_pictures(folder: Path, *, floods: bool = True) -> None:
    """Write every picture the scenarios send into ``folder`` (done once, in the parent process); without
    ``floods``, only those of the memory scenarios."""
    from PIL import Image

    def save(name: str, image: Image.Image, kind: str, **options: object) -> None:
        out = io.BytesIO()
        image.save(out, kind, **options)
        (folder / name).write_bytes(out.getvalue())

    save("bomb.png", Image.new("RGB", (6300, 6300), "white"), "PNG")
    save("jpeg64.jpg", Image.new("RGB", (7999, 7999), "tan"), "JPEG", quality=80)
    save("progressive12.jpg", Image.new("RGB", (4000, 3000), "tan"), "JPEG", progressive=True, subsampling=0)
    save("screenshot.png", Image.new("RGBA", (3840, 2160), "white"), "PNG")
    save("screenshot.webp", Image.new("RGB", (2560, 1600), "white"), "WEBP")
    for index in range(150 if floods else 1):
        save(
            f"noise{index}.jpg",
            Image.frombytes("RGB", (1280, 960), os.urandom(1280 * 960 * 3)),
            "JPEG",
            quality=85,
        )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class _Sampler(threading.Thread):
    """Reads the process's resident memory every 5 ms: the peak of the scenario alone (``ru_maxrss`` would
    also hold the start-up's)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> float:
        self._done.set()
        self.join()
        return max(self.peak, _rss_mb())


def child(scenario: str, pictures: Path) -> dict[str, object]:
    """Run one scenario in this process; the figures as a dict (printed as JSON by ``--child``)."""
    from litestar.testing import TestClient

    from shenbao.app import create_app

    with (
        temp_dir() as folder,
        TestClient(create_app(migrated_settings(Path(folder))), base_url="http://127.0.0.1") as client,
    ):
        for name, value in guide_read().items():
            client.cookies.set(name, value, domain="127.0.0.1")
        query = f"?f={FORM_ID}"
        if scenario != "flood-without-draft":
            client.post(f"/f/{FORM_ID}/s/residence/answer", data={"_q": ["q5"], "q5": "agri"})
            warm = (pictures / "noise0.jpg").read_bytes()
            client.post(_PHOTO + query, content=warm)  # the imports and a first decode, in the baseline
        if scenario == "png-bomb":
            sends = [(_PHOTO, "bomb.png")] * 16
        elif scenario == "largest-accepted":
            names = ("jpeg64.jpg", "progressive12.jpg", "screenshot.png", "screenshot.webp")
            sends = [(_DOCUMENT, names[index % 4]) for index in range(16)]
        else:
            count = 30 if scenario == "flood-without-draft" else 150
            sends = [(_PHOTO, f"noise{index}.jpg") for index in range(count)]
        bodies = [(path, (pictures / name).read_bytes()) for path, name in sends]
        files = Path(folder) / "files"
        kept_before = sum(path.stat().st_size for path in files.rglob("*.*")) if files.is_dir() else 0
        baseline = _rss_mb()
        sampler = _Sampler()
        sampler.start()
        started = time.perf_counter()

        def send(item: tuple[str, bytes]) -> int:
            return client.post(item[0] + query, content=item[1]).status_code

        with ThreadPoolExecutor(max_workers=30 if len(bodies) > 16 else 16) as pool:
            statuses = list(pool.map(send, bodies))
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        kept = [path for path in files.rglob("*.*") if ".w" not in path.name] if files.is_dir() else []
        return {
            "baseline_mb": round(baseline),
            "peak_mb": round(peak),
            "seconds": round(seconds, 2),
            "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
            "kept_bytes": sum(path.stat().st_size for path in kept) - kept_before,
        }


def run_scenario(scenario: str, pictures: Path, code: Path | None = None) -> dict[str, object]:
    """One scenario in a fresh process (on ``code``'s ``platform/`` when given)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = f"{code / 'platform'}{os.pathsep}{env.get('PYTHONPATH', '')}"
    done = subprocess.run(
        [sys.executable, __file__, "--child", scenario, "--pictures", str(pictures)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    args = arguments(
        __doc__.splitlines()[0],
        lambda parser: (
            parser.add_argument("--child", choices=SCENARIOS),
            parser.add_argument("--pictures", type=Path),
            parser.add_argument("--code", type=Path, help="another checkout to measure (its platform/)"),
        ),
    )
    if args.child:
        print(json.dumps(child(args.child, args.pictures)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="shenbao-bench-pictures-") as folder:
        pictures = Path(folder)
        make_pictures(pictures)
        for scenario in SCENARIOS:
            figures = run_scenario(scenario, pictures, args.code)
            rise = int(figures["peak_mb"]) - int(figures["baseline_mb"])  # type: ignore[call-overload]
            memory = scenario in ("png-bomb", "largest-accepted")
            rows.append(
                Row(
                    f"{scenario}: peak RSS − baseline ({figures['baseline_mb']} MB)",
                    f"{rise} MB",
                    f"< {CEILING_MB} MB" if memory else "",
                    rise < CEILING_MB if memory else None,
                )
            )
            rows.append(
                Row(
                    f"{scenario}: statuses, kept, time",
                    f"{figures['statuses']}, {int(figures['kept_bytes']) / 1024 / 1024:.1f} MB, {figures['seconds']} s",  # type: ignore[call-overload]
                )
            )
    title = "Uploads: memory of 16 simultaneous decodes, floods" + (
        f" (code: {args.code})" if args.code else ""
    )
    return report(title, rows, args)


if __name__ == "__main__":
    raise SystemExit(main())
