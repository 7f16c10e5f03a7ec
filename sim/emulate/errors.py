"""What a refused request says, and where: NETCONF's ``rpc-error`` (RFC 6241 section 4.3),
which RESTCONF's ``ietf-restconf:errors`` body repeats field for field (RFC 8040 section
7.1), and the path of the data node it is about in both of their spellings.

``error-app-tag`` values of the emulated elements are omsim's fallout causes, hyphenated
(``element-error``, ``element-unreachable``, ``resource-exhausted``,
``inventory-mismatch``), so a client maps an error to a cause without parsing messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.emulate.model import BY_NAME


@dataclass(frozen=True, slots=True)
class Step:
    """One node of a path: its module, its name, and the key values of a list entry."""

    module: str
    name: str
    keys: tuple[tuple[str, str], ...] = ()


class NodePath(tuple[Step, ...]):
    """The path of a data node from the datastore's root (``()`` is the root)."""

    def child(self, module: str, name: str, keys: tuple[tuple[str, str], ...] = ()
              ) -> NodePath:
        return NodePath((*self, Step(module, name, keys)))

    def instance_id(self) -> str:
        """RFC 7951 section 6.11: ``/omsim-network:network/element[name='X']/...``."""
        out, module = [], None
        for step in self:
            name = step.name if step.module == module else f"{step.module}:{step.name}"
            module = step.module
            out.append("/" + name + "".join(f"[{k}={_quote(v)}]" for k, v in step.keys))
        return "".join(out)

    def xpath(self) -> tuple[str, dict[str, str]]:
        """NETCONF's error-path: a prefixed XPath, with the namespaces of its prefixes."""
        out, nsmap = [], {}
        for step in self:
            module = BY_NAME.get(step.module)
            prefix = module.prefix if module else step.module
            nsmap[prefix] = module.namespace if module else ""
            keys = "".join(f"[{prefix}:{k}={_quote(v)}]" for k, v in step.keys)
            out.append(f"/{prefix}:{step.name}{keys}")
        return "".join(out), nsmap

    @classmethod
    def parse(cls, instance_id: str) -> NodePath:
        """Read back an RFC 7951 instance-identifier (as yangson writes them)."""
        steps, module = [], ""
        for text in _split_steps(instance_id):
            head, _, rest = text.partition("[")
            if ":" in head:
                module, head = head.split(":", 1)
            keys = tuple(_keys("[" + rest)) if rest else ()
            steps.append(Step(module, head, keys))
        return cls(steps)

    def __str__(self) -> str:
        return self.instance_id() or "/"


ROOT = NodePath()


class RpcError(Exception):
    """A request refused, with everything an ``rpc-error`` carries.

    ``error_type`` is transport, rpc, protocol or application; ``tag`` one of RFC 6241
    appendix A; ``path`` the data node it is about (None: none); ``info`` the
    ``error-info`` children (``bad-element``, ``bad-attribute``, ``session-id``);
    ``http_status`` the RESTCONF status when it is not the tag's usual one (404 for a
    resource that is not there, 415 for a body that is not JSON).
    """

    def __init__(self, tag: str, message: str, path: NodePath | None = None, *,
                 error_type: str = "application", app_tag: str | None = None,
                 info: dict[str, str] | None = None, http_status: int | None = None) -> None:
        super().__init__(f"{tag} at {path or '/'}: {message}")
        self.tag = tag
        self.message = message
        self.path = path
        self.error_type = error_type
        self.app_tag = app_tag
        self.info = info or {}
        self.http_status = http_status


def protocol_error(tag: str, message: str, **info: str) -> RpcError:
    """An error in how the request was made (not about data): error-type protocol."""
    return RpcError(tag, message, error_type="protocol",
                    info={k.replace("_", "-"): v for k, v in info.items()})


def _quote(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


def _split_steps(text: str) -> list[str]:
    """``/a:b[k='x/y']/c`` -> ``["a:b[k='x/y']", "c"]`` (a slash in quotes stays)."""
    steps, current, quote = [], "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "/":
            if current:
                steps.append(current)
            current = ""
            continue
        current += ch
    if current:
        steps.append(current)
    return steps


def _keys(text: str) -> list[tuple[str, str]]:
    """``[a='1'][b='2']`` -> ``[("a", "1"), ("b", "2")]``."""
    out = []
    while text.startswith("["):
        name, _, rest = text[1:].partition("=")
        quote = rest[:1]
        end = rest.index(quote, 1)
        out.append((name.rpartition(":")[2], rest[1:end]))
        text = rest[end + 2:]
    return out
