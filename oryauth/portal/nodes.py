"""Turn a Kratos flow's `ui` (form action, nodes, messages) into plain
objects the templates render without any logic of their own.

Kratos describes every form as a list of nodes (`input`, `img`, `text`, `a`,
`script`, `div`), each in a `group` (password, totp, ...). We keep each
node's `name` exactly as Kratos sent it: Kratos reads the posted form by
those names. Nodes are split into one form per method group, because each
group's submit button posts `method=<group>` and Kratos handles one method
per submission; the `default` group's hidden nodes (csrf_token) go into each.
The methods that read what the person types into the `default` group's
fields (identifier, traits) share one form with those fields, so the page
asks for the email address once. Script nodes (Kratos's webauthn.js) are
rendered once per page, and the JavaScript a node asks for is only ever the
name of one of Kratos's WebAuthn triggers, never code (see `TRIGGERS`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from ory_client.models.ui_container import UiContainer
from ory_client.models.ui_node import UiNode
from ory_client.models.ui_node_anchor_attributes import UiNodeAnchorAttributes
from ory_client.models.ui_node_image_attributes import UiNodeImageAttributes
from ory_client.models.ui_node_input_attributes import UiNodeInputAttributes
from ory_client.models.ui_node_script_attributes import UiNodeScriptAttributes
from ory_client.models.ui_node_text_attributes import UiNodeTextAttributes
from ory_client.models.ui_text import UiText

from ..redirects import is_kratos_url
from .kratos_messages import kratos_text

# The order groups appear on a page; unknown groups follow in Kratos's order.
GROUP_ORDER = [
    "default", "identifier_first", "profile", "password", "code", "oidc", "saml",
    "totp", "lookup_secret", "webauthn", "passkey", "captcha",
]

# Groups whose buttons send the person to an outside identity provider: the
# provider, not this page, says who they are, so their forms carry none of the
# default group's fields (identifier, traits), only its hidden csrf_token.
PROVIDER_GROUPS = frozenset({"oidc", "saml"})

# Methods whose submission reads the default group's visible fields (the
# identifier at sign-in, the traits at sign-up): they share one form with them.
SHARES_IDENTIFIER = ("identifier_first", "password", "code", "passkey", "webauthn")

# The functions Kratos's webauthn.js defines (x/webauthnx/js in Kratos
# v1.3.1; the `__` names are its older spelling). A node's onclick/onload
# trigger is rendered only when it is one of these: the page's static script
# calls `window[name]()`, so Kratos can never make us run arbitrary code.
TRIGGERS = frozenset(
    prefix + name
    for prefix in ("ory", "__ory")
    for name in ("WebAuthnLogin", "WebAuthnRegistration", "PasskeyLogin", "PasskeyLoginAutocompleteInit",
                 "PasskeyRegistration", "PasskeySettingsRegistration")
)

# Buttons that remove a passkey or security key: never a form's main action.
REMOVE_BUTTONS = frozenset({"passkey_remove", "webauthn_remove"})

# Message ids (https://www.ory.sh/docs/kratos/concepts/ui-user-interface#ui-error-codes)
ADDRESS_NOT_VERIFIED = 4000010  # "Account not active yet. Did you forget to verify your email address?"


@dataclass(frozen=True)
class Message:
    """One Kratos message (`UiText`), styled by `type`: error / info / success."""

    id: int
    text: str
    type: str

    @classmethod
    def from_ui_text(cls, text: UiText) -> Message:
        kind = text.type if text.type in ("error", "info", "success") else "info"
        return cls(id=text.id, text=kratos_text(text), type=kind)


@dataclass(frozen=True)
class Node:
    """One Kratos UI node in the shape its template partial needs.

    `kind` picks the partial: hidden, submit, checkbox, field (every other
    input type), img, text, a, script, div, enter_guard (see
    `_mark_secondary_buttons`).
    """

    kind: str
    group: str
    label: str = ""
    messages: tuple[Message, ...] = ()
    # input
    name: str = ""
    input_type: str = ""
    value: str = ""
    checked: bool = False
    required: bool = False
    disabled: bool = False
    autocomplete: str = ""
    pattern: str = ""
    maxlength: int | None = None
    inputmode: str = ""
    # <button type=...>: "submit" posts the form; "button" only runs its trigger.
    button_type: str = "submit"
    # Names from TRIGGERS (or ""): run on click / once the page has loaded.
    onclick_trigger: str = ""
    onload_trigger: str = ""
    options: tuple[tuple[str, str], ...] = ()
    # img / a / script / text / div
    element_id: str = ""
    src: str = ""
    width: int | None = None
    height: int | None = None
    href: str = ""
    text: str = ""
    codes: tuple[str, ...] = ()
    script: dict[str, Any] = field(default_factory=dict)
    # A submit button after the form's first one (e.g. "Resend code"): styled
    # as secondary; Enter in a field still presses the first.
    secondary: bool = False
    # Another method's button in a shared form: it does not demand the
    # first method's fields (e.g. the password) before posting.
    novalidate: bool = False

    @property
    def has_error(self) -> bool:
        return any(m.type == "error" for m in self.messages)

    @property
    def html_id(self) -> str:
        """An id for <label for=...>: the name with characters ids dislike replaced."""
        base = self.element_id or self.name
        return "oa-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in base)


@dataclass(frozen=True)
class NodeForm:
    """One <form> on the page: the nodes of one method group plus the default
    group's nodes (csrf_token, identifier) it needs to submit."""

    group: str
    title: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class FlowUi:
    """Everything a template needs to render a flow's form(s)."""

    action: str
    method: str
    messages: tuple[Message, ...]
    forms: tuple[NodeForm, ...]
    # Script nodes (Kratos's webauthn.js), rendered once per page.
    scripts: tuple[Node, ...] = ()

    @property
    def groups(self) -> frozenset[str]:
        """The method groups of the page's forms (e.g. to word a second-factor page)."""
        return frozenset(n.group for form in self.forms for n in form.nodes)

    @property
    def has_triggers(self) -> bool:
        """Whether a node asks for one of Kratos's WebAuthn triggers: the page
        then loads the portal's static script that runs them."""
        return any(n.onclick_trigger or n.onload_trigger for form in self.forms for n in form.nodes)

    @property
    def offers_providers(self) -> bool:
        """A social sign-in section (Kratos's oidc or saml method) is on the page."""
        return any(form.group in PROVIDER_GROUPS for form in self.forms)

    @property
    def provider_asks_for_traits(self) -> bool:
        """Kratos's "Continue" form after a first sign-in whose provider left a
        required trait (e.g. a verified email address) empty."""
        return any(form.group in PROVIDER_GROUPS and any(n.kind == "field" for n in form.nodes) for form in self.forms)

    @property
    def message_ids(self) -> set[int]:
        ids = {m.id for m in self.messages}
        for form in self.forms:
            for node in form.nodes:
                ids.update(m.id for m in node.messages)
        return ids


def group_title(group: str) -> str:
    titles = {
        "default": "",
        "password": _("Password"),
        "profile": _("Profile"),
        "code": _("One-time code"),
        "totp": _("Authenticator app"),
        "lookup_secret": _("Backup recovery codes"),
        "webauthn": _("Security key"),
        "passkey": _("Passkey"),
        "oidc": _("Sign in with another provider"),
        "saml": _("Single sign-on"),
        "identifier_first": "",
        "captcha": "",
    }
    return titles.get(group, group.replace("_", " ").capitalize())


def _label_text(node: UiNode) -> str:
    if node.meta and node.meta.label and node.meta.label.text:
        return kratos_text(node.meta.label)
    return ""


def _unnamed_key_label(name: str, node: UiNode) -> str:
    """The remove button of a passkey or security key without a name says
    when it was added: Kratos v1.3.1 calls every passkey "unnamed"
    (x/webauthnx/nodes.go), which tells several apart by nothing."""
    context = (node.meta.label.context or {}) if node.meta and node.meta.label else {}
    added_at = context.get("added_at_unix")
    if name not in REMOVE_BUTTONS or context.get("display_name") != "unnamed" or not isinstance(added_at, (int, float)):
        return ""
    added = formats.date_format(localtime(datetime.fromtimestamp(added_at, tz=timezone.utc)), "DATETIME_FORMAT")
    if name == "passkey_remove":
        return _("Remove the passkey added on %(added)s") % {"added": added}
    return _("Remove the security key added on %(added)s") % {"added": added}


def _fallback_label(name: str) -> str:
    """A readable label when Kratos sent none: `traits.name.first` -> `First`."""
    last = name.rsplit(".", 1)[-1].replace("_", " ").strip()
    return last.capitalize() if last else _("Value")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def node_from_ui_node(ui_node: UiNode) -> Node:
    """Convert one ory-client `UiNode` into a `Node`."""
    attrs = ui_node.attributes.actual_instance if ui_node.attributes else None
    messages = tuple(Message.from_ui_text(m) for m in ui_node.messages or [])
    label = _label_text(ui_node)
    group = str(ui_node.group)
    # Dispatch on the attribute model ory-client chose (it follows the node type).
    if isinstance(attrs, UiNodeInputAttributes):
        return _input_node(attrs, group, messages, _unnamed_key_label(attrs.name, ui_node) or label)
    if isinstance(attrs, UiNodeImageAttributes):
        return Node(kind="img", group=group, messages=messages, label=label or _("Image"), element_id=attrs.id,
                    src=attrs.src, width=attrs.width, height=attrs.height)
    if isinstance(attrs, UiNodeTextAttributes):
        secrets = (attrs.text.context or {}).get("secrets") or []
        codes = tuple(str(s.get("text", "")) if isinstance(s, dict) else str(s) for s in secrets)
        return Node(kind="text", group=group, messages=messages, label=label, element_id=attrs.id,
                    text=kratos_text(attrs.text), codes=codes)
    if isinstance(attrs, UiNodeAnchorAttributes):
        return Node(kind="a", group=group, messages=messages, label=label, element_id=attrs.id, href=attrs.href,
                    text=kratos_text(attrs.title) if attrs.title else attrs.href)
    if isinstance(attrs, UiNodeScriptAttributes):
        script = {
            "src": attrs.src, "type": attrs.type, "async": attrs.var_async, "crossorigin": attrs.crossorigin,
            "integrity": attrs.integrity, "referrerpolicy": attrs.referrerpolicy, "nonce": attrs.nonce,
        }
        return Node(kind="script", group=group, messages=messages, label=label, element_id=attrs.id, script=script)
    # div (and anything newer): an empty container with an id, e.g. for captchas.
    return Node(kind="div", group=group, messages=messages, label=label, element_id=str(getattr(attrs, "id", "") or ""))


def _input_node(attrs: UiNodeInputAttributes, group: str, messages: tuple[Message, ...], label: str) -> Node:
    input_type = _text_of(attrs.type) or "text"
    common: dict[str, Any] = {
        "group": group,
        "messages": messages,
        "name": attrs.name,
        "input_type": input_type,
        "required": bool(attrs.required),
        "disabled": bool(attrs.disabled),
        "autocomplete": _text_of(attrs.autocomplete),
        "pattern": attrs.pattern or "",
        "maxlength": attrs.maxlength,
        "inputmode": _text_of(attrs.inputmode),
        # Never the `onclick`/`onload` code Kratos also sends: only a known name.
        "onclick_trigger": _trigger(attrs.onclick_trigger),
        "onload_trigger": _trigger(attrs.onload_trigger),
    }
    if input_type == "hidden":
        return Node(kind="hidden", label=label, value=_as_text(attrs.value), **common)
    if input_type in ("submit", "button"):
        return Node(kind="submit", label=label or _("Continue"), value=_as_text(attrs.value), button_type=input_type,
                    **common)
    if input_type == "checkbox":
        return Node(kind="checkbox", label=label or _fallback_label(attrs.name), value="true", checked=attrs.value is True,
                    **common)
    # ory-client's option model carries only the value (Kratos v1.3 sends no label).
    options = tuple((_as_text(option.value), _as_text(option.value)) for option in attrs.options or [])
    # Never echo a password back into the page.
    value = "" if input_type == "password" else _as_text(attrs.value)
    return Node(kind="field", label=label or _fallback_label(attrs.name), value=value, options=options, **common)


def _trigger(trigger: Any) -> str:
    """The name of the WebAuthn trigger a node asks for, or "" when it names
    none we know (see TRIGGERS)."""
    name = _text_of(trigger)
    return name if name in TRIGGERS else ""


def _text_of(value: Any) -> str:
    """An ory-client enum or string as plain text ("" for None)."""
    return str(getattr(value, "value", value) or "")


def _sorted_groups(nodes: list[Node]) -> list[str]:
    seen: list[str] = []
    for node in nodes:
        if node.group not in seen:
            seen.append(node.group)
    known = [g for g in GROUP_ORDER if g in seen]
    return known + [g for g in seen if g not in GROUP_ORDER]


def _mark_secondary_buttons(nodes: list[Node]) -> tuple[Node, ...]:
    marked: list[Node] = []
    seen_primary = False
    for node in nodes:
        if node.kind == "submit":
            removes = node.name in REMOVE_BUTTONS
            node = replace(node, secondary=seen_primary or removes)
            seen_primary = seen_primary or not removes
        marked.append(node)
    # Enter in a field presses the form's first submit button. Where that
    # would remove a key (the security-key form, whose own action is a
    # trigger button), a disabled first button makes Enter do nothing.
    first_submit = next((n for n in marked if n.kind == "submit" and n.button_type == "submit"), None)
    if first_submit is not None and first_submit.name in REMOVE_BUTTONS:
        marked.insert(0, Node(kind="enter_guard", group=first_submit.group))
    return tuple(marked)


def _prefilled(node: Node, prefill: Mapping[str, str]) -> Node:
    # Never a secret: a password field is always typed by the person.
    if node.kind == "field" and node.input_type != "password" and not node.value and prefill.get(node.name):
        return replace(node, value=prefill[node.name])
    return node


def _checked_urls(node: Node, link_is_safe: Callable[[str], bool]) -> Node:
    # A link or script Kratos built from a parameter it did not check (e.g. a
    # return_to) must not become a javascript: link or a foreign script.
    if node.kind == "a" and not link_is_safe(node.href):
        return replace(node, href="")
    if node.kind == "script" and not link_is_safe(str(node.script.get("src") or "")):
        return replace(node, kind="div")
    return node


def _provider_form(group: str, default: list[Node], own: list[Node], action: str) -> NodeForm:
    """The "Sign in with <provider>" buttons (or, in settings, link / unlink)
    as a form of their own: the hidden default nodes (csrf_token) and the
    group's own nodes. The group's own trait fields stay: Kratos sends them
    when the provider left a required trait empty and it asks the person."""
    hidden = [n for n in default if n.kind == "hidden"]
    return NodeForm(group=group, title=_provider_section_title(group, action),
                    nodes=_mark_secondary_buttons(hidden + own))


def _provider_section_title(group: str, action: str) -> str:
    # Kratos's form action names the flow (/self-service/<flow>?flow=...): the
    # same buttons sign in, sign up, or link an account in settings.
    flow = urlsplit(action).path.rstrip("/").rsplit("/", 1)[-1]
    titles = {
        "login": _("Sign in with another account"),
        "registration": _("Sign up with another account"),
        "settings": _("Linked accounts"),
    }
    return titles.get(flow, group_title(group))


def flow_ui(
    ui: UiContainer,
    prefill: Mapping[str, str] | None = None,
    link_is_safe: Callable[[str], bool] = is_kratos_url,
) -> FlowUi:
    """The renderable form(s) of a flow's `ui` container.

    `prefill` gives values for fields Kratos left empty, by node name (e.g.
    the identifier from an OAuth2 client's `login_hint`). `link_is_safe`
    decides which link and script URLs may be rendered (see oryauth.redirects;
    by default only URLs on Kratos itself).
    """
    nodes = [
        _checked_urls(_prefilled(node_from_ui_node(n), prefill or {}), link_is_safe) for n in ui.nodes or []
    ]
    messages = tuple(Message.from_ui_text(m) for m in ui.messages or [])
    return FlowUi(action=ui.action, method=ui.method or "POST", messages=messages,
                  forms=_forms([n for n in nodes if n.kind != "script"], ui.action),
                  scripts=tuple(n for n in nodes if n.kind == "script"))


def _forms(nodes: list[Node], action: str) -> tuple[NodeForm, ...]:
    default = [n for n in nodes if n.group == "default"]
    hidden = [n for n in default if n.kind == "hidden"]
    groups = [g for g in _sorted_groups(nodes) if g != "default"]
    # Only when the default group asks the person for something (identifier, traits).
    shared = [g for g in groups if g in SHARES_IDENTIFIER] if len(hidden) < len(default) else []
    forms: list[NodeForm] = []
    for group in groups:
        if group in shared[1:]:
            continue  # already in the shared form
        if group in shared:
            own = [replace(n, novalidate=n.kind == "submit" and n.group != group)
                   for g in shared for n in nodes if n.group == g]
            title = group_title(group) if len(shared) == 1 else ""
            forms.append(NodeForm(group=group, title=title, nodes=_mark_secondary_buttons(default + own)))
            continue
        own = [n for n in nodes if n.group == group]
        if group in PROVIDER_GROUPS:
            forms.append(_provider_form(group, default, own, action))
            continue
        # Without a shared form the visible default fields go with every method, as Kratos lays them out.
        forms.append(NodeForm(group=group, title=group_title(group),
                              nodes=_mark_secondary_buttons((hidden if shared else default) + own)))
    if not forms and default:
        # A flow with only default nodes (e.g. a single-button form) is still a form.
        forms.append(NodeForm(group="default", title="", nodes=_mark_secondary_buttons(default)))
    return tuple(forms)
