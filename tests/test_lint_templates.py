"""The Go-template check agrees with promtool 2.42 (which parses every template with Go's own
text/template and Prometheus' function map) on a corpus of accepted and rejected templates and on
800 random ones; the label-set algebra of the aggregated-label check behaves like sets (hypothesis)."""
import subprocess

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from obskit.lint import gotemplate
from obskit.promql_ast import LabelSet
from obskit.verify.tools import find_tool

ACCEPTED = [
    "plain text", "{{ $value }}", "{{ $value | humanize }}", "{{ $value | humanizePercentage }}",
    "{{ $labels.instance }}", "{{ .Labels.job }}", "{{ .Value }}", "{{ $externalLabels.cluster }}",
    "{{ $externalURL }}", '{{ printf "%.2f" $value }}', "{{ humanizeDuration $value }}",
    "{{ humanize1024 $value }}", "{{ humanizeTimestamp $value }}", "{{ $value | toTime }}",
    '{{ title "a" }}', '{{ toUpper "a" }}', '{{ reReplaceAll "a" "b" $labels.x }}',
    "{{ stripPort $labels.instance }}", "{{ stripDomain $labels.instance }}", '{{ parseDuration "1m" }}',
    '{{ query "up" | first | value }}', '{{ with query "up" }}{{ . | first | label "job" }}{{ end }}',
    "{{ if gt $value 0.5 }}high{{ else }}low{{ end }}",
    "{{ if gt $value 1.0 }}a{{ else if lt $value 0.1 }}b{{ end }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}", "{{- $labels.pod -}}", "{{/* comment */}}x",
    '{{ index $labels "a" }}', "{{ $x := 1 }}{{ $x }}", '{{ define "x" }}a{{ end }}{{ template "x" }}',
    '{{ humanize (printf "%f" $value) }}', "{{ len $labels }}", '{{ eq $labels.a "b" }}',
    '{{ graphLink "up" }}', '{{ tableLink "up" }}', '{{ safeHtml "<b>" }}', '{{ match "a.*" "abc" }}',
    "{{ pathPrefix }}", "{{ externalURL }}", "{{ args 1 2 }}", "{{ strvalue $value }}",
    '{{ sortByLabel "job" (query "up") }}', '{{ $value | humanize | printf "%s" }}',
    "{{ range $labels }}{{ . }}{{ end }}", "{{ with $labels.a }}{{ . }}{{ end }}", "{{ nil }}", "{{ $y = 1 }}",
    "{{ range $labels }}{{ break }}{{ end }}", "{{ range $i, $e := $labels }}{{ $i }}{{ end }}", "{{ 'a' }}",
    "{{ 1.5e3 }}", "{{ -1 }}", "{{ .Labels }}", "{{ $.Labels.job }}", "{{ .Labels.job | toUpper }}", "}} stray",
    '{{ "a}}b" }}', '{{ block "b" . }}x{{ end }}', "{{ call }}", '{{ slice "abc" 1 }}', '{{ urlquery "a b" }}',
    '{{ js "a" }}', '{{ html "a" }}', "{{ not true }}", "{{ $value | }}", "{{ humanize | -}}",
]
REJECTED = [
    "{{ $value", "{{ foo }}", "{{ humanizePercent $value }}", "{{ $undefined }}", "{{ end }}", "{{ if true }}x",
    "{{ }}", "{{ $value | 1 }}", "{{ else }}", "{{ if 1 }}{{ end }}{{ end }}", '{{ printf "%d }}', "{{ (1 }}",
    "{{ 1) }}", "{{ $labels.a-b }}", "{{ with $v := 1 }}{{ end }}{{ $v }}",
    '{{ define "x" }}{{ $value }}{{ end }}', "{{ toDuration 1 }}", "{{ humanizeUnit 1 }}", "{{ now }}",
    "{{ $value | nil }}", "{{ break }}", "{{ $labels.x = 1 }}", "{{ template x }}", "{{ if }}{{ end }}",
    "{{ else if 1 }}", "{{ with 1 }}{{ else with 2 }}{{ end }}", "{{ continue }}",
]


def _ours(text: str) -> bool:
    try:
        gotemplate.check(text)
        return True
    except gotemplate.TemplateError:
        return False


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text):
    assert _ours(text)


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text):
    assert not _ours(text)


def promtool_verdicts(texts, tmp_path) -> list:
    """promtool 2.42's verdict on each template, from one run over one rule file per template."""
    paths = []
    for i, text in enumerate(texts):
        p = tmp_path / f"t{i}.yml"
        p.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
            {"alert": "A", "expr": "up == 0", "annotations": {"summary": text}}]}]}))
        paths.append(p)
    proc = subprocess.run([find_tool("promtool"), "check", "rules", *map(str, paths)], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    checked = {block.partition("\n")[0].strip() for block in out.split("Checking ")[1:]}
    assert checked == {str(p) for p in paths}
    failed = {line.split(":")[0] for line in out.splitlines() if ": group " in line}
    return [str(p) not in failed for p in paths]


def test_corpus_agrees_with_promtool(promtool, tmp_path):
    corpus = ACCEPTED + REJECTED
    verdicts = promtool_verdicts(corpus, tmp_path)
    disagree = [(t, "promtool accepts" if ok else "promtool rejects")
                for t, ok in zip(corpus, verdicts) if ok != _ours(t)]
    assert disagree == []
    assert verdicts == [True] * len(ACCEPTED) + [False] * len(REJECTED)


# --- random templates from template-ish tokens: the checker and promtool agree on every one ------
TOKENS = ["$value", "$labels.job", "$labels", ".Labels.pod", ".", "|", "humanize", "humanizePercentage", "printf",
          '"%.2f"', '"x"', "(", ")", "1", "0.5", "true", "nil", "$x", "$x :=", "$", "foo", "eq", "gt", "index",
          "len", "toUpper", "query", "first", "value", "$externalLabels.c", "-1", "'a'", "`raw`", ",", "=", "and", "not"]
KEYWORDS = ["if", "else", "end", "range", "with", "else if", 'define "d"', 'template "d"', "break"]


def _random_template(r) -> str:
    parts = []
    for _ in range(r.randint(1, 4)):
        if r.random() < 0.2:
            parts.append(r.choice(["text ", "}}", "{", " "]))
        elif r.random() < 0.2:
            args = " ".join(r.choice(TOKENS) for _ in range(r.randint(0, 3))) if r.random() < 0.7 else ""
            parts.append("{{ " + r.choice(KEYWORDS) + " " + args + " }}")
        else:
            words = " ".join(r.choice(TOKENS) for _ in range(r.randint(0, 5)))
            parts.append("{{" + r.choice(["", "- ", " "]) + words + r.choice(["", " -", " "]) + "}}")
    return "".join(parts)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_templates_agree_with_promtool(promtool, tmp_path, seed):
    import random
    r = random.Random(seed)
    texts = [_random_template(r) for _ in range(400)]
    verdicts = promtool_verdicts(texts, tmp_path)
    disagree = [(t, ok) for t, ok in zip(texts, verdicts) if ok != _ours(t)]
    assert disagree == []
    assert 40 < sum(verdicts) < 360   # both verdicts well represented


def test_label_references():
    info = gotemplate.check('{{ $labels.a }} {{ .Labels.b }} {{ index $labels "c" }} {{ $.Labels.d }} '
                            '{{ $externalLabels.cluster }}')
    assert info.labels == {"a", "b", "c", "d"}


def test_error_messages_name_the_action():
    with pytest.raises(gotemplate.TemplateError, match=r"function 'humanizePercent' not defined in action 2"):
        gotemplate.check("{{ $value }} and {{ $value | humanizePercent }}")


# --- LabelSet behaves like set algebra over a finite universe ---------------------------------------
UNIVERSE = ["a", "b", "c", "d", "e"]
names = st.frozensets(st.sampled_from(UNIVERSE))
label_sets = st.builds(LabelSet, st.booleans(), names)


def concrete(ls: LabelSet) -> frozenset:
    return frozenset(n for n in UNIVERSE if ls.has(n))


@settings(max_examples=300, deadline=None)
@given(label_sets, label_sets, names)
def test_label_set_algebra(x, y, ns):
    assert concrete(x.keep(ns)) == concrete(x) & ns
    assert concrete(x.drop(ns)) == concrete(x) - ns
    assert concrete(x.add(ns)) == concrete(x) | ns
    assert concrete(x.union(y)) == concrete(x) | concrete(y)
