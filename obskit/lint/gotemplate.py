"""An offline check of Prometheus alert templates (Go ``text/template``), close enough to Go's
parser to reject what ``promtool check rules`` rejects, and to list the labels a template reads.

Approach: a small lexer for ``{{ ... }}`` actions (trim markers, comments, quoted/raw strings,
numbers, ``$variables``, ``.Fields``, parentheses, pipes, ``:=``/``=``), then a parser that keeps
the block stack (``if``/``range``/``with``/``define``/``block`` ... ``end``, ``else``), the variable
scopes Go enforces (Prometheus predeclares ``$labels``, ``$value``, ``$externalLabels``,
``$externalURL``), and resolves every function name against Go's builtins plus the functions
Prometheus 2.42 registers (``humanize``, ``humanizePercentage``, ``printf``, ...). Go checks the same
things at parse time ("function not defined", "undefined variable", "unexpected {{end}}",
"unclosed action"); the tests compare this module's verdicts with promtool's on a corpus.
It does not type-check arguments (Go does that only when executing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

GO_BUILTINS = frozenset({"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print",
                         "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne"})
#: template functions of Prometheus 2.42 (template/template.go)
PROMETHEUS_FUNCS = frozenset({"query", "first", "label", "value", "strvalue", "args", "reReplaceAll",
                              "safeHtml", "match", "title", "toUpper", "toLower", "graphLink",
                              "tableLink", "sortByLabel", "humanize", "humanize1024", "humanizeDuration",
                              "humanizePercentage", "humanizeTimestamp", "pathPrefix", "externalURL",
                              "parseDuration", "stripPort", "stripDomain", "toTime"})
FUNCTIONS = GO_BUILTINS | PROMETHEUS_FUNCS
PREDECLARED = ("$", "$labels", "$externalLabels", "$externalURL", "$value")
_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


class TemplateError(ValueError):
    pass


@dataclass
class _Tok:
    kind: str   # str, raw, char, num, ident, var, field, lparen, rparen, pipe, decl, assign, comma
    text: str


_NUM = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?i?)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELDS = re.compile(r"(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _lex_action(body: str, pos_desc: str) -> List[_Tok]:
    toks: List[_Tok] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c in " \t\r\n":
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and body[j] != '"':
                if body[j] == "\n":
                    raise TemplateError(f"unterminated quoted string {pos_desc}")
                j += 2 if body[j] == "\\" else 1
            if j >= n:
                raise TemplateError(f"unterminated quoted string {pos_desc}")
            toks.append(_Tok("str", body[i + 1:j]))
            i = j + 1
        elif c == "`":
            j = body.find("`", i + 1)
            if j < 0:
                raise TemplateError(f"unterminated raw quoted string {pos_desc}")
            toks.append(_Tok("str", body[i + 1:j]))
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n and body[j] != "'":
                j += 2 if body[j] == "\\" else 1
            if j >= n:
                raise TemplateError(f"unterminated character constant {pos_desc}")
            toks.append(_Tok("num", body[i:j + 1]))
            i = j + 1
        elif c == "$":
            m = _IDENT.match(body, i + 1)
            name = "$" + (m.group(0) if m else "")
            i = m.end() if m else i + 1
            f = _FIELDS.match(body, i)
            toks.append(_Tok("var", name + (f.group(0) if f else "")))
            i = f.end() if f else i
        elif c == ".":
            f = _FIELDS.match(body, i)
            if f:
                toks.append(_Tok("field", f.group(0)))
                i = f.end()
            elif i + 1 < n and body[i + 1].isdigit():
                m = _NUM.match(body, i)
                toks.append(_Tok("num", m.group(0)))
                i = m.end()
            else:
                toks.append(_Tok("field", "."))
                i += 1
        elif c.isdigit() or (c in "+-" and i + 1 < n and (body[i + 1].isdigit() or body[i + 1] == ".")):
            m = _NUM.match(body, i)
            if not m or not m.group(0).strip("+-"):
                raise TemplateError(f"bad number syntax {pos_desc}")
            toks.append(_Tok("num", m.group(0)))
            i = m.end()
        elif _IDENT.match(body, i):
            m = _IDENT.match(body, i)
            toks.append(_Tok("ident", m.group(0)))
            i = m.end()
            f = _FIELDS.match(body, i)   # Go rejects a field chain on a function name
            if f:
                raise TemplateError(f"unexpected {f.group(0)!r} after {m.group(0)!r} {pos_desc}")
        elif c in "()|,=" or body.startswith(":=", i):
            kind, width = {"(": ("lparen", 1), ")": ("rparen", 1), "|": ("pipe", 1), ",": ("comma", 1),
                           "=": ("assign", 1), ":": ("decl", 2)}[c]
            toks.append(_Tok(kind, body[i:i + width]))
            i += width
            f = _FIELDS.match(body, i) if c == ")" else None
            if f:   # (pipeline).Field
                toks.append(_Tok("chain", f.group(0)))
                i = f.end()
        else:
            raise TemplateError(f"unexpected bad character {c!r} in command {pos_desc}")
    return toks


def _actions(text: str) -> List[Tuple[str, int]]:
    """The bodies of the ``{{ }}`` actions (trim markers removed, comments skipped), with offsets."""
    out: List[Tuple[str, int]] = []
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            return out
        j = start + 2
        if re.match(r"-\s", text[j:j + 2]):
            j += 1
        m = re.match(r"\s*/\*", text[j:])
        if m:
            c_end = text.find("*/", j + m.end())
            if c_end < 0:
                raise TemplateError("unclosed comment")
            close = re.match(r"(\s+-)?}}", text[c_end + 2:])
            if not close:
                raise TemplateError("comment ends before closing delimiter")
            i = c_end + 2 + close.end()
            continue
        k, quote = j, None
        while k < len(text):
            ch = text[k]
            if quote:
                if ch == "\\" and quote != "`":
                    k += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"`'":
                quote = ch
            elif text.startswith("}}", k):
                break
            k += 1
        else:
            raise TemplateError(f"unclosed action (started at offset {start})")
        body = text[j:k]
        if re.search(r"\s-$", body):
            body = body[:-1]
        out.append((body, start))
        i = k + 2


class _Barrier(set):
    """A scope that hides the enclosing ones (the body of a define)."""


@dataclass
class _Parser:
    toks: List[_Tok]
    where: str
    scopes: List[Set[str]]
    labels: Set[str]
    pos: int = 0
    dot_is_alert: bool = True     # false inside range/with/define/block, where "." is something else
    dollar_is_alert: bool = True  # false inside define/block, where "$" is the template's argument

    def peek(self) -> Optional[_Tok]:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise TemplateError(f"missing value for command {self.where}")
        self.pos += 1
        return t

    def defined(self, var: str) -> bool:
        for scope in reversed(self.scopes):
            if var in scope:
                return True
            if isinstance(scope, _Barrier):
                return False
        return False

    def pipeline(self, allow_decl: bool = True, range_decl: bool = False) -> None:
        # declarations: $x := / $x = / $i, $e :=
        t0 = self.peek()
        if allow_decl and t0 is not None and t0.kind == "var" and "." not in t0.text[1:]:
            names, save = [t0.text], self.pos
            self.pos += 1
            if range_decl and self.peek() is not None and self.peek().kind == "comma":
                self.pos += 1
                t1 = self.peek()
                if t1 is not None and t1.kind == "var":
                    names.append(t1.text)
                    self.pos += 1
            nxt = self.peek()
            if nxt is not None and nxt.kind == "decl":
                self.pos += 1
                self.scopes[-1].update(names)
            elif nxt is not None and nxt.kind == "assign" and len(names) == 1:
                self.pos += 1   # Go checks an assigned variable only when executing
            else:
                self.pos = save
        stage = 1
        self.command(stage)
        while self.peek() is not None and self.peek().kind == "pipe":
            self.pos += 1
            if self.peek() is None or self.peek().kind == "rparen":
                break   # Go accepts a trailing "|" before the end of the pipeline
            stage += 1
            self.command(stage)

    def command(self, stage: int) -> None:
        t = self.peek()
        if t is None or t.kind in ("pipe", "rparen"):
            raise TemplateError(f"missing value for command {self.where}")
        if stage > 1 and (t.kind in ("str", "num") or (t.kind == "field" and t.text == ".")
                          or (t.kind == "ident" and t.text in ("true", "false", "nil"))):
            raise TemplateError(f"non executable command in pipeline stage {stage} {self.where}")
        args = 0
        first = t
        while self.peek() is not None and self.peek().kind not in ("pipe", "rparen"):
            self.operand()
            args += 1
        if first.kind == "ident" and first.text == "index":
            self._index_labels()

    def _index_labels(self) -> None:
        # index $labels "name" / index .Labels "name"
        toks = self.toks
        for i in range(len(toks) - 2):
            labels = ("$labels",) + (("$.Labels",) if self.dollar_is_alert else ()) \
                + ((".Labels",) if self.dot_is_alert else ())
            if toks[i].kind == "ident" and toks[i].text == "index" and toks[i + 1].text in labels \
                    and toks[i + 2].kind == "str":
                self.labels.add(toks[i + 2].text)

    def operand(self) -> None:
        t = self.take()
        if t.kind == "lparen":
            self.pipeline()
            end = self.take()
            if end.kind != "rparen":
                raise TemplateError(f"unclosed left paren {self.where}")
            if self.peek() is not None and self.peek().kind == "chain":
                self.pos += 1
            return
        if t.kind == "ident":
            if t.text in ("true", "false", "nil"):
                return
            if t.text in _KEYWORDS:
                raise TemplateError(f"unexpected {t.text!r} in command {self.where}")
            if t.text not in FUNCTIONS:
                raise TemplateError(f"function {t.text!r} not defined {self.where}")
            return
        if t.kind == "var":
            base = t.text.split(".")[0]
            if not self.defined(base):
                raise TemplateError(f"undefined variable {base!r} {self.where}")
            parts = t.text.split(".")
            if base == "$labels" and len(parts) >= 2:
                self.labels.add(parts[1])
            if base == "$" and self.dollar_is_alert and len(parts) >= 3 and parts[1] == "Labels":
                self.labels.add(parts[2])
            return
        if t.kind == "field":
            parts = t.text.split(".")
            if self.dot_is_alert and len(parts) >= 3 and parts[1] == "Labels":
                self.labels.add(parts[2])
            return
        if t.kind in ("str", "num"):
            return
        if t.kind == "rparen":
            raise TemplateError(f"unexpected right paren {self.where}")
        raise TemplateError(f"unexpected {t.text!r} in operand {self.where}")


@dataclass(frozen=True)
class TemplateInfo:
    labels: frozenset = field(default_factory=frozenset)


def check(text: str) -> TemplateInfo:
    """Raise :class:`TemplateError` if ``text`` does not parse as a Prometheus template; return
    the label names it reads from the alert's labels: ``$labels.x``, ``$.Labels.x``, ``index $labels
    "x"``, and ``.Labels.x`` where the dot is the alert's data. Inside ``{{ range PIPELINE }}``,
    ``{{ with PIPELINE }}`` and ``{{ block }}`` the dot is the pipeline's value (e.g. a sample of
    ``query "..."``), inside ``{{ define }}`` the template's argument: ``.Labels.x`` there is not an
    alert label. The pipeline of ``range``/``with`` itself, and their ``else`` branch, see the outer dot."""
    scopes: List[Set[str]] = [set(PREDECLARED)]
    stack: List[str] = []
    outer: List[bool] = []      # the dot of the enclosing level, one per open block
    dot = True                  # whether "." is the alert's data here
    labels: Set[str] = set()
    for n, (body, _offset) in enumerate(_actions(text), 1):
        where = f"in action {n} ({{{{{body.strip()[:40]}}}}})"
        toks = _lex_action(body, where)
        if not toks:
            raise TemplateError(f"missing value for command {where}")
        p = _Parser(toks, where, scopes, labels, dot_is_alert=dot,
                    dollar_is_alert=not any(w in ("define", "block") for w in stack))
        head = toks[0]
        word = head.text if head.kind == "ident" else ""
        if word in ("if", "with", "range"):
            scopes.append(set())
            p.pos = 1
            p.pipeline(range_decl=(word == "range"))
            stack.append(word)
            outer.append(dot)
            if word != "if":
                dot = False
        elif word == "else":
            if not stack or stack[-1] not in ("if", "with", "range"):
                raise TemplateError(f"unexpected {{{{else}}}} {where}")
            scopes[-1] = set()   # variables of the if/with/range branch end with it
            dot = outer[-1]      # the else branch of range/with runs with the outer dot
            p.pos = 1
            p.dot_is_alert = dot
            if len(toks) > 1:
                # "else with" needs Go 1.23, newer than the Go of Prometheus 2.42
                if toks[1].kind == "ident" and toks[1].text == "if":
                    p.pos = 2
                    p.pipeline()
                else:
                    raise TemplateError(f"unexpected {toks[1].text!r} in else {where}")
        elif word == "end":
            if len(toks) > 1:
                raise TemplateError(f"unexpected {toks[1].text!r} in end {where}")
            if not stack:
                raise TemplateError(f"unexpected {{{{end}}}} {where}")
            stack.pop()
            scopes.pop()
            dot = outer.pop()
            p.pos = 1
        elif word in ("define", "block"):
            if len(toks) < 2 or toks[1].kind != "str":
                raise TemplateError(f"{word} needs a quoted template name {where}")
            p.pos = 2
            if word == "block":
                p.pipeline()
            # Go starts a fresh variable scope (only "$", the template's argument) inside a define
            scopes.append(_Barrier({"$"}) if word == "define" else set())
            stack.append(word)
            outer.append(dot)
            dot = False
        elif word == "template":
            if len(toks) < 2 or toks[1].kind != "str":
                raise TemplateError(f"template needs a quoted template name {where}")
            p.pos = 2
            if len(toks) > 2:
                p.pipeline()
        elif word in ("break", "continue"):
            if "range" not in stack:
                raise TemplateError(f"{{{{{word}}}}} outside {{{{range}}}} {where}")
            p.pos = 1
        else:
            p.pipeline()
        if p.pos < len(toks):
            t = toks[p.pos]
            raise TemplateError(f"unexpected {t.text!r} {where}")
    if stack:
        raise TemplateError(f"unexpected EOF: {{{{{stack[-1]}}}}} has no matching {{{{end}}}}")
    return TemplateInfo(frozenset(labels))
