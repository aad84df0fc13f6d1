"""Hostile input on every page and every form, generated from the project itself (issue 11).

Nothing here is a hand-made list of views or fields, so a view, a parameter, a form or a field
added later is covered without touching this file:

- The views come from the URL matrix of tests/test_url_matrix.py, which itself fails when a URL
  pattern has no line (so a new URL cannot escape), with the roles that may use each and the
  object of Fresnes it is about. The back-office adds one changelist per registered model.
- The query parameters a view reads are found two ways, united: a test-only middleware swaps
  `request.GET` for a QueryDict that records every key looked up (by the view, its filter form
  and its templates, present or not), and the page's own GET forms and `?…` links give the
  parameters it offers (this finds the back-office's filters, which read the query string by
  iterating it). Recording again on every hostile request adds a parameter read only once another
  one has a value. Declaring the parameters per view would go stale the day a filter is added.
- The forms are read from the pages each role can reach: every `<form method="post">`, with its
  inputs, selects, textareas and named buttons. Each field in turn gets each hostile value while
  the others keep the value the page rendered.

Rules checked: never a server error; a 400 says why in French; a form that comes back instead of
redirecting (refused) leaves the project's tables as they were. The interview's entry form saves
field by field on purpose (a valid answer is kept beside a refused one, see
test_hostile_input.py): for it only the first rule holds.

Every role of the matrix (and the back-office's superuser) walks the views it may use. A fixed
small set of values rather than hypothesis keeps the run short: each parameter alone with each
value as the role that reaches most of the view, all parameters at once with each value as the
other roles (see DEEPEST_FIRST).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.http import QueryDict
from django.urls import resolve, reverse

from tests import test_url_matrix
from tests.test_url_matrix import MATRIX, url_of

# The story world of the URL matrix: one object of Fresnes for every URL that takes one.
world = test_url_matrix.world
fresnes_users = test_url_matrix.fresnes_users

pytestmark = pytest.mark.django_db

# One value per kind of trouble; kinds that no parser tells apart share a value. NUL is sent once
# per view (any parameter: one middleware refuses it before a view runs) and once per form field.
HOSTILE_VALUES = [
    "",
    "\x01\x08\x1b[31m\x7f\u202e\u200bHélène😀",
    "x" * 10_000,
    "<script>alert('x')</script>'; DROP TABLE detainees_detainee; --{{ request }}{% debug %}",
    "²",
    "٣",
    "-1",
    "99999999999999999999",
    "0000-00-00",
    "9999-99-99",
]
NUL = "a\x00b"
# Names of parameters that are never the view's own: Django's CSRF token.
NOT_INPUT = {"csrfmiddlewaretoken"}


# Discovery ------------------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A query string that remembers every key looked up (present or not) into `read`."""

    def __init__(self, *args, read=None, **kwargs):
        self._read = None  # building it looks keys up too
        super().__init__(*args, **kwargs)
        self._read = read

    def _note(self, key):
        if self._read is not None:
            self._read.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def _getlist(self, key, default=None, force_list=False):
        self._note(key)
        return super()._getlist(key, default, force_list)


READ: set = set()


class RecordGetReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""), read=READ)
        return self.get_response(request)


@pytest.fixture
def recording(settings):
    """Every request records the query parameters it reads into READ."""
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "tests.test_hostile_generated.RecordGetReadsMiddleware",
    ]
    READ.clear()
    return READ


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)  # name -> list of rendered values
    choices: dict = field(default_factory=dict)  # select name -> its option values


class PageParser(HTMLParser):
    """The forms of a page and the query parameters of its `?…` links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.link_parameters: set[str] = set()
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            query = urlsplit(attrs["href"]).query
            self.link_parameters |= {key for key, _ in parse_qsl(query, keep_blank_values=True)}
        elif tag == "form":
            self._form = Form(attrs.get("action") or "", (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "option" and self._form is not None and self._select:
            value = attrs.get("value") or ""
            self._form.choices[self._select].append(value)
            if "selected" in attrs:
                self._form.fields[self._select].append(value)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._form.fields.setdefault(attrs["name"], [])
            elif kind not in ("submit", "image", "reset", "file"):
                self._form.fields.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        elif tag == "button" and attrs.get("value") is not None:
            self._form.fields.setdefault(attrs["name"], [])
        elif tag == "select":
            self._select = attrs["name"]
            self._form.fields.setdefault(self._select, [])
            self._form.choices[self._select] = []
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form.fields.setdefault(self._textarea, [])

    def handle_data(self, data):
        if self._textarea and self._form:
            values = self._form.fields[self._textarea]
            values[:] = ["".join(values) + data]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            # A browser sends the selected option, else the first one.
            if not self._form.fields[self._select]:
                self._form.fields[self._select] = self._form.choices[self._select][:1]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def read_page(response) -> PageParser:
    parser = PageParser()
    if "html" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
        parser.feed(response.content.decode())
    return parser


# The cases ------------------------------------------------------------------------------

GET_VIEWS = sorted(
    (name, role)
    for name, route in MATRIX.items()
    if route.method == "get"
    for role in sorted(route.allowed) + (["anonymous"] if route.public else [])
    if not (route.public and role != "anonymous")
)
PAGES_WITH_FORMS = GET_VIEWS


def login(client, fresnes_users, role):
    if role != "anonymous":
        client.force_login(fresnes_users[role])


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    if getattr(response, "streaming", False):
        # Read to the end: the test client then closes the file without closing the database
        # connection the test runs in (a bare close() would).
        b"".join(response.streaming_content)
    return response


def problem(response, url) -> str | None:
    """What is wrong with the answer to a hostile request, if anything."""
    if response.status_code >= 500:
        return f"{response.status_code} on {url[:200]}"
    french_reasons = ("caractère invalide", "La demande envoyée n'a pas pu être comprise")
    if response.status_code == 400 and not any(
        reason in response.content.decode() for reason in french_reasons
    ):
        return f"400 without a French reason on {url[:200]}"
    return None


def hostile_queries(parameters, values, one_by_one):
    parameters = sorted(parameters)
    if one_by_one:
        for parameter in parameters:
            for value in values:
                yield [(parameter, value)]
            # Repeated: a view reading one value gets the last, one reading a list gets both.
            yield [(parameter, "1"), (parameter, "<b>deux</b>")]
    else:
        for value in values:
            yield [(parameter, value) for parameter in parameters]
    yield [(parameter, "") for parameter in parameters]
    yield [(parameter, NUL) for parameter in parameters]


def walk_query_parameters(client, base_url, recording, values, one_by_one=True) -> list[str]:
    """Requests every hostile query on base_url, following parameters discovered on the way:
    each parameter alone with each value (one_by_one), else all parameters with each value."""
    failures = []
    page = read_page(fetch(client, base_url))
    offered = page.link_parameters | {
        name for form in page.forms if form.method == "get" for name in form.fields
    }

    def found():
        return (set(recording) | offered) - NOT_INPUT

    parameters, done = found(), set()
    while todo := parameters - done:
        for pairs in hostile_queries(todo, values, one_by_one):
            url = f"{base_url}?{urlencode(pairs)}"
            if failure := problem(fetch(client, url), url):
                failures.append(failure)
        done |= todo
        parameters |= found()
    return failures


# Each view is walked parameter by parameter as the role that reaches most of it (the first of
# this list that may use it), and with every parameter at once as each other role: the walk of
# the caseload alone is 150 requests, and the roles differ by scope more than by parameter.
DEEPEST_FIRST = (
    "manager",
    "cpip",
    "interviewer",
    "prison_team",
    "national",
    "partnerships",
    "anonymous",
)


def deepest_role(name: str) -> str:
    route = MATRIX[name]
    allowed = {"anonymous"} if route.public else route.allowed
    return next(role for role in DEEPEST_FIRST if role in allowed)


@pytest.mark.parametrize(("name", "role"), GET_VIEWS)
def test_no_query_parameter_of_any_view_gives_a_server_error(
    client, world, fresnes_users, recording, name, role
):
    login(client, fresnes_users, role)
    url = url_of(name, world)
    one_by_one = role == deepest_role(name)
    assert walk_query_parameters(client, url, recording, HOSTILE_VALUES, one_by_one) == []


def admin_changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    )


# The back-office's filters are Django's, which check their values against the field; what is
# ours there is the scoping filters and the search. A shorter list keeps its 20 lists quick;
# NUL goes to each parameter alone, since all at once are refused before any filter runs.
BACK_OFFICE_VALUES = ["x" * 10_000, HOSTILE_VALUES[3], "²", "-1", "99999999999999999999", NUL]


@pytest.mark.parametrize("name", admin_changelists())
def test_no_query_parameter_of_a_back_office_list_gives_a_server_error(
    client, world, superuser, recording, name
):
    client.force_login(superuser)
    assert walk_query_parameters(client, reverse(name), recording, BACK_OFFICE_VALUES) == []


# Forms ----------------------------------------------------------------------------------

# Tables that a refused form may still write: the session (activity time), the access log
# (reading a page is logged), the login throttles and the second factor's failure counter.
MAY_CHANGE = ("django_session", "axes_", "audit_", "otp_", "django_admin_log")
# The interview entry form keeps a valid answer beside a refused one (see the module docstring).
SAVES_FIELD_BY_FIELD = {"entretiens:interview"}


def project_tables() -> list[str]:
    return sorted(
        table
        for table in connection.introspection.table_names()
        if not table.startswith(MAY_CHANGE)
    )


def fingerprint(tables) -> list:
    """One query: a digest of every row of every watched table."""
    # Table names come from the database's own catalogue, never from a request.
    digest = "SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t"
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(digest.format(connection.ops.quote_name(t)) for t in tables),
            tables,
        )
        return cursor.fetchall()


def changed(before, after) -> list[str]:
    # Compared by table: a UNION ALL may return its parts in any order (a parallel append).
    after = dict(after)
    return sorted(table for table, digest in before if digest != after[table])


def forms_of_the_page(client, url) -> list[Form]:
    """The page's POST forms, one of each kind: the twenty milestones of a plan share four."""
    kinds = {}
    for form in read_page(fetch(client, url)).forms:
        if form.method != "post":
            continue
        action = urljoin(url, form.action or url)
        form.action = action
        kind = (resolve(urlsplit(action).path).view_name, frozenset(form.fields))
        kinds.setdefault(kind, form)
    return list(kinds.values())


def post_forms(client, page_url, name, forms) -> list[str]:
    failures = []
    tables = project_tables()
    for form in forms:
        action = form.action
        if action.startswith("/deconnexion/"):
            continue  # ends the session the test runs in; it reads nothing
        base = {key: values for key, values in form.fields.items() if key not in NOT_INPUT}
        for field_name in sorted(base):
            for value in [*HOSTILE_VALUES, NUL]:
                data = {**base, field_name: value}
                before = fingerprint(tables)
                response = client.post(action, data)
                label = f"{action} {field_name}={value[:20]!r}"
                if failure := problem(response, label):
                    failures.append(failure)
                elif (
                    response.status_code != 302
                    and name not in SAVES_FIELD_BY_FIELD
                    and (tables_changed := changed(before, fingerprint(tables)))
                ):
                    failures.append(f"refused yet wrote {tables_changed}: {label}")
    return failures


@pytest.mark.parametrize(("name", "role"), PAGES_WITH_FORMS)
def test_no_field_of_any_form_gives_a_server_error_and_a_refused_form_writes_nothing(
    client, world, fresnes_users, name, role
):
    login(client, fresnes_users, role)
    url = url_of(name, world)
    assert post_forms(client, url, name, forms_of_the_page(client, url)) == []
