"""deploy/nginx/civic.conf, as an operator installs it, in front of two Civic servers (gunicorn, two workers
each, instance folders of their own as on two machines) sharing a PostgreSQL and a Redis of this test, with
two outbox workers and a real SMTP server. Through nginx over TLS: pages and fingerprinted static files
(cached a year, precompressed), HTTP to HTTPS, the body size limit, a sign-in whose session both servers
honour, an RSVP race across both with exact counts, pages fresh on both after a write, the sign-in limit
shared by both and kept per client, and each e-mail sent once.

Each simulated person connects from an address of its own on the loopback network (127.0.0.x): nginx passes
it in X-Forwarded-For, and Civic (CIVIC_BEHIND_PROXY=1) limits per person, not per nginx."""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from civic.database import db
from civic.meetings.models import Meeting, Registration, RegistrationStatus
from civic.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import IN_CI, csrf_token
from tests.factories import PASSWORD, make_user
from tests.meetings.factories import make_meeting
from tests.ops.conftest import close_site, make_site
from tests.ops.servers import RedisServer
from tests.support.servers import ROOT, GunicornServer, SmtpSink, free_port

pytestmark = pytest.mark.slow

DEPLOY = ROOT / "deploy" / "nginx"
TIMEOUT = 60
LOGIN_LIMIT = 4
CAPACITY = 3
PEOPLE = 8
SECRET = "nginx-two-servers-" + "s" * 40


def nginx_program() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found is None:
        if IN_CI:
            pytest.fail("nginx is required under CI (the deployment test) but was not found")
        pytest.skip("nginx not installed (Debian: apt-get install nginx): the deployment test is skipped")
    return found


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.x), so each person is a different client for nginx."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def replace(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace what the deployed file must contain: if it changed, this test must change with it."""
    assert text.count(old) == count, f"deploy/nginx: expected {count} x {old!r}"
    return text.replace(old, new)


def render_site(folder: Path, https_port: int, http_port: int, upstreams: list[str], cert: Path,
                key: Path, microcache: bool = False) -> Path:
    """deploy/nginx/*.conf with this machine's paths, ports and servers (and the optional microcache turned
    on); the main nginx.conf that includes them as Debian's does (inside `http`)."""
    site = (DEPLOY / "civic.conf").read_text()
    site = replace(site, "    server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;\n",
                   "".join(f"    server {address} max_fails=3 fail_timeout=10s;\n" for address in upstreams))
    site = replace(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = replace(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = replace(site, "    listen [::]:443 ssl http2;\n", "")
    site = replace(site, "    listen [::]:80;\n", "")
    site = replace(site, "/etc/letsencrypt/live/partecipa.comune.example.it/fullchain.pem", str(cert))
    site = replace(site, "/etc/letsencrypt/live/partecipa.comune.example.it/privkey.pem", str(key))
    site = replace(site, "/opt/civic/static/", str(ROOT / "civic" / "static") + "/", count=2)
    site = replace(site, "/var/cache/nginx/civic", str(folder / "cache"))
    site = replace(site, "root /var/www/html;", f"root {folder / 'acme'};")
    site = replace(site, "/etc/nginx/civic-proxy.conf", str(folder / "civic-proxy.conf"), count=2)
    site = replace(site, "/etc/nginx/civic-microcache.conf", str(folder / "civic-microcache.conf"))
    if microcache:
        site = replace(site, "# include " + str(folder / "civic-microcache.conf"),
                       "include " + str(folder / "civic-microcache.conf"))
    (folder / "civic.conf").write_text(site)
    for snippet in ("civic-proxy.conf", "civic-microcache.conf"):
        shutil.copy(DEPLOY / snippet, folder / snippet)
    temp = {kind: folder / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    main = folder / "nginx.conf"
    main.write_text("\n".join([
        "user root;" if os.geteuid() == 0 else "",
        "worker_processes 1;",
        f"pid {folder / 'nginx.pid'};",
        f"error_log {folder / 'error.log'} warn;",
        "events { worker_connections 512; }",
        "http {",
        "    include /etc/nginx/mime.types;",
        "    default_type application/octet-stream;",
        f"    access_log {folder / 'access.log'};",
        *(f"    {kind}_temp_path {path};" for kind, path in temp.items()),
        f"    include {folder / 'civic.conf'};",
        "}",
    ]))
    return main


class Nginx:
    def __init__(self, folder: Path, https_port: int, http_port: int, upstreams: list[str], cert: Path,
                 key: Path, microcache: bool = False):
        self.program = nginx_program()
        self.folder = folder
        self.upstreams, self.cert, self.key = upstreams, cert, key
        self.config = render_site(folder, https_port, http_port, upstreams, cert, key, microcache)
        self.url = f"https://127.0.0.1:{https_port}"
        self.http_url = f"http://127.0.0.1:{http_port}"
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [self.program, "-p", str(self.folder), "-e", str(self.folder / "error.log"),
                "-c", str(self.config), *extra]

    def start(self) -> Nginx:
        test = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        assert test.returncode == 0, test.stderr
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.http_url + "/", timeout=2, allow_redirects=False)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer: " + (self.folder / "error.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class Stack:
    """Everything the tests reach: nginx's address, the two servers, the mail server, the database."""

    def __init__(self, nginx, servers, sink, site, meeting_id, emails, cert):
        self.nginx, self.servers, self.sink, self.site = nginx, servers, sink, site
        self.meeting_id, self.emails, self.cert = meeting_id, emails, cert

    def person(self, number: int) -> requests.Session:
        """A browser of its own, connecting from 127.0.0.<number>."""
        browser = requests.Session()
        browser.trust_env = False  # no proxy, no CA bundle from the environment: this nginx, this certificate
        browser.verify = str(self.cert)
        browser.mount("https://", FromAddress(f"127.0.0.{number}"))
        browser.mount("http://", FromAddress(f"127.0.0.{number}"))
        # As a browser does: over https, Flask-WTF refuses a form without a Referer of the same origin.
        browser.headers["Referer"] = self.nginx.url + "/"
        return browser

    def sign_in(self, browser: requests.Session, email: str, password: str = PASSWORD) -> requests.Response:
        form = browser.get(self.nginx.url + "/account/login", timeout=TIMEOUT)
        return browser.post(self.nginx.url + "/account/login", timeout=TIMEOUT, allow_redirects=False,
                            data={"email": email, "password": password, "csrf_token": csrf_token(form.text)})


@pytest.fixture(scope="module")
def stack(postgres_cluster):
    program = nginx_program()  # skip (or fail under CI) before starting anything
    assert program
    folder = Path(tempfile.mkdtemp(prefix="civic-nginx-"))
    database = postgres_cluster.create_database("civic_nginx")
    site = make_site(database, migrate=True)
    with site.app_context():
        meeting_id = make_meeting(capacity=CAPACITY, title="Tavolo di lavoro sul coworking").id
        emails = [make_user(f"persona{n}@example.org", name=f"Persona {n}").email for n in range(PEOPLE + 1)]
        db.session.remove()
    cert, key = self_signed(folder)
    redis_server = RedisServer().start()
    sink = SmtpSink()
    sink.start()
    https_port, http_port = free_port(), free_port()
    environment = {
        "CIVIC_REDIS_URL": redis_server.url, "CIVIC_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "CIVIC_BASE_URL": f"https://127.0.0.1:{https_port}", "CIVIC_BEHIND_PROXY": "1",
        "CIVIC_SECURE_COOKIES": "1", "CIVIC_RATELIMIT_ENABLED": "1",
        "CIVIC_LIMIT_LOGIN": f"{LOGIN_LIMIT} per minute",
    }
    servers, workers = [], []
    nginx = None
    try:
        for name in ("one", "two"):  # two machines: two instance folders, one secret key
            (folder / name).mkdir()
            servers.append(GunicornServer(folder / name, database, SECRET, workers=2,
                                          extra_env=environment).start())
        for name in ("one", "two"):
            env = {**servers[0].env, "CIVIC_INSTANCE_PATH": str(folder / name)}
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "civic", "outbox", "deliver", "--loop", "--interval",
                 "0.5", "--no-periodic"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                stderr=(folder / f"worker-{name}.log").open("w")))
        nginx = Nginx(folder, https_port, http_port, [f"127.0.0.1:{server.port}" for server in servers],
                      cert, key).start()
        yield Stack(nginx, servers, sink, site, meeting_id, emails, cert)
    finally:
        if nginx is not None:
            nginx.stop()
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=20)
        for server in servers:
            server.stop()
        sink.stop()
        redis_server.destroy()
        close_site(site)
        shutil.rmtree(folder, ignore_errors=True)


def test_pages_and_static_files_through_nginx(stack):
    visitor = stack.person(2)
    home = visitor.get(stack.nginx.url + "/", timeout=TIMEOUT)
    assert home.status_code == 200 and "Vai al contenuto" in home.text
    assert home.headers["Content-Encoding"] == "gzip"  # compressed by nginx
    assert "Strict-Transport-Security" in home.headers  # Civic saw https through X-Forwarded-Proto
    assert re.fullmatch(r"[0-9a-f]{32}", home.headers["X-Request-ID"])  # nginx's id, in Civic's logs too
    assert "Set-Cookie" not in home.headers

    # An anonymous page revalidates to a 304 (nginx's gzip makes its ETag weak: still matched).
    again = visitor.get(stack.nginx.url + "/", timeout=TIMEOUT,
                        headers={"If-None-Match": home.headers["ETag"]})
    assert again.status_code == 304

    addresses = set(re.findall(r'(?:href|src)="(/static/[^"#]+)"', home.text))
    stylesheet = next(address for address in addresses if "bootstrap-italia.min." in address
                      and address.endswith(".css"))
    styles = visitor.get(stack.nginx.url + stylesheet, timeout=TIMEOUT)
    assert styles.status_code == 200 and styles.headers["Content-Type"].startswith("text/css")
    assert styles.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert styles.headers["Content-Encoding"] == "gzip"
    assert styles.content == (ROOT / "civic/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css"
                              ).read_bytes()
    for address in addresses:
        answer = visitor.get(stack.nginx.url + address, timeout=TIMEOUT)
        assert answer.status_code == 200, address
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    plain = visitor.get(stack.nginx.url + "/static/css/civic.css", timeout=TIMEOUT)
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"

    redirect = visitor.get(stack.nginx.http_url + "/meetings/", timeout=TIMEOUT, allow_redirects=False)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
    too_big = visitor.post(stack.nginx.url + "/account/login", data=b"x" * (3 * 1024 * 1024),
                           timeout=TIMEOUT)
    assert too_big.status_code == 413
    assert visitor.get(stack.nginx.url + "/metrics", timeout=TIMEOUT).status_code in (403, 404)


def test_a_session_made_through_nginx_works_on_both_servers(stack):
    browser = stack.person(3)
    assert stack.sign_in(browser, stack.emails[PEOPLE]).status_code == 302
    cookie = browser.cookies.get("civic_session")
    assert cookie
    for _ in range(4):  # nginx alternates between the servers
        page = browser.get(stack.nginx.url + "/account/", timeout=TIMEOUT)
        assert page.status_code == 200 and f"Persona {PEOPLE}" in page.text
        assert page.headers["Cache-Control"] == "no-store"
    for server in stack.servers:  # and each server, asked directly, knows the session
        page = requests.get(server.url + "/account/", timeout=TIMEOUT, allow_redirects=False,
                            headers={"Cookie": f"civic_session={cookie}"})
        assert page.status_code == 200 and f"Persona {PEOPLE}" in page.text


def test_an_rsvp_race_across_both_servers_then_fresh_pages_and_each_mail_once(stack):
    page_url = f"{stack.nginx.url}/meetings/{stack.meeting_id}"
    reader = stack.person(4)
    before = [reader.get(page_url, timeout=TIMEOUT) for _ in range(4)]  # kept on both servers
    assert all(f"{CAPACITY} su {CAPACITY}" in page.text for page in before)
    direct = requests.Session()
    direct.trust_env = False
    for server in stack.servers:  # and asked of each directly (each of its two workers)
        for _ in range(2):
            assert f"{CAPACITY} su {CAPACITY}" in direct.get(server.url + f"/meetings/{stack.meeting_id}",
                                                              timeout=TIMEOUT).text

    people = [stack.person(10 + n) for n in range(PEOPLE)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        signed = list(pool.map(lambda pair: stack.sign_in(*pair).status_code,
                               zip(people, stack.emails[:PEOPLE], strict=True)))
    assert signed == [302] * PEOPLE
    register = f"{page_url}/register"
    tokens = [csrf_token(person.get(register, timeout=TIMEOUT).text) for person in people]
    barrier = threading.Barrier(PEOPLE)

    def rsvp(pair) -> int:
        person, token = pair
        barrier.wait(timeout=TIMEOUT)
        return person.post(register, timeout=TIMEOUT, allow_redirects=False,
                           data={"csrf_token": token, "category": "cittadini"}).status_code

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        statuses = list(pool.map(rsvp, zip(people, tokens, strict=True)))
    assert statuses == [302] * PEOPLE, statuses
    served = [sum("POST /meetings/<int:meeting_id>/register" in line for line in server.log().splitlines())
              for server in stack.servers]
    assert all(served), f"one server took every RSVP: {served}"
    with stack.site.app_context():
        by_status = dict(db.session.execute(
            select(Registration.status, func.count(Registration.id))
            .where(Registration.meeting_id == stack.meeting_id).group_by(Registration.status)).all())
        counter = db.session.get(Meeting, stack.meeting_id).confirmed_count
        db.session.remove()
    assert by_status == {RegistrationStatus.CONFIRMED: CAPACITY,
                         RegistrationStatus.WAITLISTED: PEOPLE - CAPACITY}
    assert counter == CAPACITY

    # Both servers show the change at once to anonymous readers, even with the old validator.
    after = [reader.get(page_url, timeout=TIMEOUT, headers={"If-None-Match": before[0].headers["ETag"]})
             for _ in range(4)]
    for page in after:
        assert page.status_code == 200
        assert f"{CAPACITY} su {CAPACITY}" not in page.text
    for server in stack.servers:  # each server, whichever took the writes
        for _ in range(2):
            page = direct.get(server.url + f"/meetings/{stack.meeting_id}", timeout=TIMEOUT)
            assert page.status_code == 200 and f"{CAPACITY} su {CAPACITY}" not in page.text

    # The two workers send every message once.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with stack.site.app_context():
            waiting = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status != MessageStatus.SENT))
            total = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            db.session.remove()
        if total >= PEOPLE and waiting == 0:
            break
        time.sleep(0.5)
    assert total >= PEOPLE and waiting == 0, (total, waiting)
    received = stack.sink.messages
    assert len(received) == total
    assert len({message["Message-ID"] for message in received}) == total
    recipients = sorted(message["To"] for message in received)
    assert sorted(set(recipients)) == sorted(stack.emails[:PEOPLE])


def test_the_sign_in_limit_is_shared_by_both_servers_and_kept_per_client(stack):
    attacker = stack.person(200)
    # One form, then the attempts one after the other: nginx takes turns between the servers for each request,
    # so a form fetched before each attempt would send every attempt to the same server.
    form = attacker.get(stack.nginx.url + "/account/login", timeout=TIMEOUT)
    attempt = {"email": stack.emails[0], "password": "not the password", "csrf_token": csrf_token(form.text)}
    statuses = [attacker.post(stack.nginx.url + "/account/login", timeout=TIMEOUT, allow_redirects=False,
                              data=attempt).status_code for _ in range(LOGIN_LIMIT + 2)]
    assert statuses[:LOGIN_LIMIT] == [422] * LOGIN_LIMIT, statuses  # the form again, with its error
    assert statuses[LOGIN_LIMIT:] == [429, 429], statuses
    tried = [sum("POST /account/login" in line for line in server.log().splitlines())
             for server in stack.servers]
    assert all(tried), f"one server took every attempt: {tried}"
    # Someone else, from another address, signs in.
    assert stack.sign_in(stack.person(201), stack.emails[1]).status_code == 302


def test_the_optional_microcache_keeps_anonymous_pages_a_second(stack):
    folder = stack.nginx.folder / "microcache"
    folder.mkdir()
    nginx = Nginx(folder, free_port(), free_port(), stack.nginx.upstreams, stack.nginx.cert, stack.nginx.key,
                  microcache=True).start()
    try:
        reader = stack.person(6)
        first = reader.get(nginx.url + "/meetings/", timeout=TIMEOUT)
        assert first.status_code == 200 and first.headers["X-Cache-Status"] == "MISS", first.headers
        # Within its second the page comes from nginx (a busy machine may take longer between two requests:
        # then the next one renders it again, and the one after comes from nginx).
        seen = []
        for _ in range(5):
            again = reader.get(nginx.url + "/meetings/", timeout=TIMEOUT)
            seen.append(again.headers["X-Cache-Status"])
            if seen[-1] == "HIT":
                assert again.text == first.text
                break
        assert "HIT" in seen, seen
        time.sleep(2.5)  # nginx counts whole seconds: "1s" keeps a page until the end of the next second
        assert reader.get(nginx.url + "/meetings/", timeout=TIMEOUT).headers["X-Cache-Status"] != "HIT"
        # A page that sets a cookie (a form's CSRF session) is never kept; a session cookie skips the cache.
        logins = [reader.get(nginx.url + "/account/login", timeout=TIMEOUT) for _ in range(2)]
        assert all(page.headers["X-Cache-Status"] != "HIT" for page in logins)
        assert reader.cookies.get("civic_session")
        page = reader.get(nginx.url + "/meetings/", timeout=TIMEOUT)
        assert page.headers["X-Cache-Status"] == "BYPASS"
    finally:
        nginx.stop()
