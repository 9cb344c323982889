"""The Go-template check agrees with promtool 2.42 (which parses every template with Go's own
text/template and Prometheus' function map) on a corpus of accepted and rejected templates; the
label-set algebra of the aggregated-label check behaves like sets (hypothesis)."""
import subprocess

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from obskit.lint import gotemplate
from obskit.lint.promql_ast import LabelSet
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
    '{{ js "a" }}', '{{ html "a" }}', "{{ not true }}",
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


def test_corpus_agrees_with_promtool(promtool, tmp_path):
    """One promtool run over one file per template; promtool reports each file separately."""
    corpus = ACCEPTED + REJECTED
    paths = []
    for i, text in enumerate(corpus):
        p = tmp_path / f"t{i}.yml"
        p.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
            {"alert": "A", "expr": "up == 0", "annotations": {"summary": text}}]}]}))
        paths.append(p)
    proc = subprocess.run([find_tool("promtool"), "check", "rules", *map(str, paths)], capture_output=True, text=True)
    verdicts = {}
    for block in (proc.stdout + proc.stderr).split("Checking ")[1:]:
        path, _, rest = block.partition("\n")
        verdicts[path.strip()] = "SUCCESS" in rest.split("Checking")[0]
    # failures are also printed after all files as "path: group ..." lines
    failed_paths = {line.split(":")[0] for line in (proc.stdout + proc.stderr).splitlines() if ": group " in line}
    disagree = []
    for text, p in zip(corpus, paths):
        ok = verdicts.get(str(p), False) and str(p) not in failed_paths
        if ok != _ours(text):
            disagree.append((text, "promtool accepts" if ok else "promtool rejects"))
    assert len(verdicts) == len(corpus)
    assert disagree == []
    assert all(_ours(t) for t in ACCEPTED) and not any(_ours(t) for t in REJECTED)


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
