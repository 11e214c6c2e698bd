"""The YANG data text syntax (shared/spec/CONFIG.md, "Syntax"): a small
reader for gateway.conf and gateway-state, and `[leaf=value]` paths into it.

    leaf value;            a value is a bare word or a "double-quoted string"
    container { ... }      nests; a list entry repeats the list's name
    // comment, /* comment */

Written from the spec for conformance/run and its checks; shares no code
with gateway/.
"""

KNOWN_LISTS = ("inbound-sa", "outbound-sa", "public-interface4", "public-interface6",
               "route4", "route6", "gateway")
# Leaves that identify a list entry when a flattened tree names it.
IDENTITY_LEAVES = ("id", "spi", "queue", "ip")


class YangSyntaxError(ValueError):
    pass


class PathError(LookupError):
    pass


class Node:
    """A container (or list entry): its children in file order, each
    (name, value) where value is a str (a leaf) or a Node."""

    __slots__ = ("children",)

    def __init__(self):
        self.children = []

    def all(self, name):
        return [v for n, v in self.children if n == name]

    def leaf(self, name, default=None):
        for n, v in self.children:
            if n == name and isinstance(v, str):
                return v
        return default

    def containers(self, name):
        return [v for n, v in self.children if n == name and isinstance(v, Node)]

    def __repr__(self):
        return "Node(%r)" % (self.children,)


def _tokens(text, source):
    i, n, line, col = 0, len(text), 1, 1

    def advance(k):
        nonlocal i, line, col
        for ch in text[i:i + k]:
            if ch == "\n":
                line, col = line + 1, 1
            else:
                col += 1
        i += k

    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            advance(1)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            advance((n if end < 0 else end) - i)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise YangSyntaxError("%s:%d:%d: unterminated /* comment" % (source, line, col))
            advance(end + 2 - i)
        elif ch in "{};":
            yield ch, ch, line, col
            advance(1)
        elif ch == '"':
            start_line, start_col = line, col
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise YangSyntaxError("%s:%d:%d: unterminated string" %
                                       (source, start_line, start_col))
                c = text[j]
                if c == "\\" and j + 1 < n:
                    out.append({"n": "\n", "t": "\t"}.get(text[j + 1], text[j + 1]))
                    j += 2
                elif c == '"':
                    break
                else:
                    out.append(c)
                    j += 1
            yield "word", "".join(out), start_line, start_col
            advance(j + 1 - i)
        else:
            j = i
            while j < n and text[j] not in " \t\r\n{};\"" and not text.startswith("//", j) \
                    and not text.startswith("/*", j):
                j += 1
            yield "word", text[i:j], line, col
            advance(j - i)


def parse(text, source="<text>"):
    """Returns the root Node of a document (its top-level statements)."""
    root = Node()
    stack = [root]
    pending = []  # words of the statement being read
    for kind, value, line, col in _tokens(text, source):
        if kind == "word":
            pending.append(value)
            if len(pending) > 2:
                raise YangSyntaxError("%s:%d:%d: expected ';' or '{' after %r" %
                                   (source, line, col, " ".join(pending[:2])))
        elif kind == "{":
            if len(pending) != 1:
                raise YangSyntaxError("%s:%d:%d: expected a name before '{'" % (source, line, col))
            node = Node()
            stack[-1].children.append((pending[0], node))
            stack.append(node)
            pending = []
        elif kind == ";":
            if len(pending) == 1:  # a leaf without value (an empty statement)
                stack[-1].children.append((pending[0], ""))
            elif len(pending) == 2:
                stack[-1].children.append((pending[0], pending[1]))
            else:
                raise YangSyntaxError("%s:%d:%d: unexpected ';'" % (source, line, col))
            pending = []
        else:  # "}"
            if pending:
                raise YangSyntaxError("%s:%d:%d: expected ';' after %r" %
                                   (source, line, col, " ".join(pending)))
            if len(stack) == 1:
                raise YangSyntaxError("%s:%d:%d: unmatched '}'" % (source, line, col))
            stack.pop()
    if pending or len(stack) != 1:
        raise YangSyntaxError("%s: unexpected end of file (unclosed '{' or missing ';')" % source)
    return root


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path)


def _split_path(path):
    """'a[k=v][k2=v2]/b/c' -> [('a', [('k','v'), ('k2','v2')]), ('b', []), ('c', [])]"""
    segments, depth, current = [], 0, ""
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "/" and depth == 0:
            segments.append(current)
            current = ""
        else:
            current += ch
    segments.append(current)
    out = []
    for segment in segments:
        if not segment:
            raise PathError("bad path %r: empty step" % path)
        name, _, rest = segment.partition("[")
        selectors = []
        if rest:
            for part in ("[" + rest).split("]")[:-1]:
                if not part.startswith("[") or "=" not in part:
                    raise PathError("bad selector in %r (want [leaf=value])" % path)
                key, _, value = part[1:].partition("=")
                selectors.append((key.strip(), value.strip()))
            if not ("[" + rest).endswith("]"):
                raise PathError("bad selector in %r (want [leaf=value])" % path)
        out.append((name, selectors))
    return out


def lookup(node, path):
    """The leaf value (a str) at `path` below `node`. Raises PathError naming
    the part of the path that is missing or ambiguous."""
    steps = _split_path(path)
    walked = []
    for index, (name, selectors) in enumerate(steps):
        last = index == len(steps) - 1
        walked.append(name + "".join("[%s=%s]" % s for s in selectors))
        here = "/".join(walked)
        candidates = node.all(name)
        if selectors:
            candidates = [c for c in candidates
                          if isinstance(c, Node) and all(c.leaf(k) == v for k, v in selectors)]
        if not candidates:
            raise PathError("no counter %s" % here)
        if len(candidates) > 1:
            raise PathError("%s matches %d entries (add [leaf=value] selectors)" %
                            (here, len(candidates)))
        value = candidates[0]
        if last:
            if isinstance(value, Node):
                raise PathError("%s is a container, not a counter" % here)
            return value
        if not isinstance(value, Node):
            raise PathError("%s is a leaf, not a container" % here)
        node = value
    raise PathError("empty path")


def flatten(node, prefix=""):
    """[(path, value)] for every leaf below `node`, list entries named by
    their identity leaves ([spi=..][queue=..]), in document order."""
    counts = {}
    for name, value in node.children:
        counts[name] = counts.get(name, 0) + 1
    out = []
    for name, value in node.children:
        if isinstance(value, Node):
            step = name
            if counts[name] > 1 or name in KNOWN_LISTS:
                step += "".join("[%s=%s]" % (k, value.leaf(k))
                                for k in IDENTITY_LEAVES if value.leaf(k) is not None)
            out.extend(flatten(value, prefix + step + "/"))
        else:
            out.append((prefix + name, value))
    return out


def gateway_state(root):
    """The `gateway-state` container of a state document (or the root if the
    document is only its contents)."""
    inner = root.containers("gateway-state")
    if len(inner) == 1:
        return inner[0]
    return root
