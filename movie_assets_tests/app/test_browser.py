"""The app in a real browser: `streamlit run` on loopback, headless Chromium typing a query.

Needs Debian's `chromium` and `chromium-driver` (`.ci/browser-deps.sh` installs them) and the `selenium`
package; skips when either is missing. Chromium runs with its background networking off and every host
name except 127.0.0.1 unresolvable, and the test checks that the page requested nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from movie_assets.paths import DataPaths

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "movie_assets" / "app" / "streamlit_app.py"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
    "--no-default-browser-check", "--disable-dev-shm-usage",
    # Every host name but loopback fails to resolve: nothing outside can be reached even by mistake.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1400,2000", "--force-device-scale-factor=1",
)  # fmt: skip
YEARS = (2023, 2024)
WAIT_S = 180  # the first query loads the embedding model inside the app, on a shared 2-core machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_home(home: Path) -> dict[str, object]:
    """Synthetic demo movies -> movies table and artifacts embedded by the real default model."""
    from movie_assets.catalog.store import read_movies_dir, write_movies
    from movie_assets.catalog.transform import build_movies
    from movie_assets.config import embed_model_name
    from movie_assets.demo.catalogue import generate_demo_catalogue
    from movie_assets.index.artifacts import write_artifacts
    from movie_assets.index.documents import movie_documents
    from movie_assets.index.embedding import load_embedder

    paths = DataPaths(home)
    records = generate_demo_catalogue(n=120, years=YEARS, seed=11)
    for year in YEARS:
        write_movies(build_movies(records, year=year)[0], paths.movies_file(year))
    movies = read_movies_dir(paths.movies_root)
    documents = movie_documents(movies)
    embedder = load_embedder(embed_model_name())
    vectors = embedder.encode(documents["document"].to_list())
    write_artifacts(movies, documents, vectors, paths.artifacts_dir, model_name=embedder.name)
    manifest_file = paths.artifacts_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text("utf-8"))
    # The demo catalogue is synthetic: say so the way the build records it, so the page labels it.
    manifest_file.write_text(json.dumps({**manifest, "source": "demo"}), "utf-8")
    best = (
        movies.filter(movies["overview"].is_not_null()).sort("vote_count", descending=True).row(0, named=True)
    )
    return {"count": movies.height, "title": best["title"]}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict[str, object]]]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("Chromium is not installed: run .ci/browser-deps.sh (Debian chromium + chromium-driver)")
    pytest.importorskip("selenium")
    home = tmp_path_factory.mktemp("browser_home")
    facts = _build_home(home)
    port = _free_port()
    env = {**os.environ, "MOVIE_ASSETS_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("MOVIE_ASSETS_ONLINE_IMAGES", None)
    log = (home / "streamlit.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--theme.base", "light", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(
                    f"streamlit exited with {server.returncode}: {(home / 'streamlit.log').read_text()}"
                )
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within 60 s")
            time.sleep(0.2)  # polling the health endpoint: the server offers no readiness event
        yield url, home, facts
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # A driver path given to Service means Selenium never runs its own driver download manager.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _requested_hosts(driver: object) -> set[str]:
    """Every host the page sent a network request to (chrome:// and data: URLs never leave the browser)."""
    hosts = set()
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            params = message["params"]
            url = urlsplit(params["request"]["url"] if "request" in params else params["url"])
            if url.scheme in ("http", "https", "ws", "wss", "ftp"):
                hosts.add(url.hostname or "")
    return hosts


def test_a_query_typed_in_the_browser_shows_result_cards(
    served: tuple[str, Path, dict[str, object]], browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, home, facts = served
    driver = browser
    wait = WebDriverWait(driver, WAIT_S)
    driver.get(f"{url}/?k=5")  # type: ignore[attr-defined]
    box = wait.until(
        lambda d: d.find_element(
            By.CSS_SELECTOR, 'section[data-testid="stSidebar"] input[aria-label="Query"]'
        )
    )
    box.send_keys(str(facts["title"]), Keys.ENTER)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".ma-card")) == 5)
    found = driver.find_elements(By.CSS_SELECTOR, ".ma-card")  # type: ignore[attr-defined]
    assert len(found) == 5
    titles = [card.find_element(By.CSS_SELECTOR, ".ma-title").text for card in found]
    assert any(str(facts["title"]) in title for title in titles), titles
    assert all(card.find_element(By.CSS_SELECTOR, ".ma-why").text.startswith("Why:") for card in found)
    posters = [card.find_element(By.CSS_SELECTOR, "img.ma-poster").get_attribute("src") for card in found]
    assert all(src.startswith("data:image/svg+xml") for src in posters)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ma-footer"))  # the page is drawn top to bottom
    page = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert f"5 of {facts['count']} movies" in page
    assert "Synthetic demo data" in page and "not endorsed or certified by TMDb" in page
    wait.until(lambda d: "q=" in d.current_url)
    assert "k=5" in driver.current_url  # type: ignore[attr-defined]
    shot = DataPaths(home).reports_dir / "app_screenshot.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    shutil.copy(shot, Path(tempfile.gettempdir()) / "app_screenshot.png")

    driver.find_element(By.XPATH, '//*[@role="tab"][contains(., "Catalogue")]').click()  # type: ignore[attr-defined]
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"] canvas, '
                                             '[data-testid="stVegaLiteChart"] svg.marks')) >= 6)  # fmt: skip
    catalogue = DataPaths(home).reports_dir / "app_catalogue.png"
    assert driver.save_screenshot(str(catalogue))  # type: ignore[attr-defined]
    shutil.copy(catalogue, Path(tempfile.gettempdir()) / "app_catalogue.png")
    assert _requested_hosts(driver) == {"127.0.0.1"}

    # A crafted link to the page: an ignored URL value written as Markdown for an image and a link on
    # another host. It must show as text: no link drawn, no request sent anywhere but the page's origin.
    injected = "![x](http://127.0.0.2:9/pixel.png?leak=1) [log in here](http://127.0.0.2:9/login)"
    driver.get(f"{url}/?k=5&method={quote(injected)}")  # type: ignore[attr-defined]
    alerts = wait.until(
        lambda d: d.find_elements(
            By.XPATH, '//*[contains(@data-testid, "stAlert")][contains(., "ignored method")]'
        )
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ma-footer"))
    assert "[log in here](http" in alerts[0].text
    drawn = alerts[0].get_attribute("innerHTML")
    assert not alerts[0].find_elements(By.TAG_NAME, "a") and not alerts[0].find_elements(
        By.TAG_NAME, "img"
    ), drawn
    assert _requested_hosts(driver) == {"127.0.0.1"}
