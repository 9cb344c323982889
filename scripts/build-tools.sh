#!/usr/bin/env bash
# Build the Go programs the tests run (Prometheus 3.x and its LTS, Alertmanager 0.35, an OpenTelemetry
# Collector, Jaeger v2) from the pinned Go modules under tools/ (tools/tools.tsv lists them), into a
# cache keyed by the module's files, the Go version and the program version, and link them into
# .tools/bin/ as <binary>-<version> (promtool-3.16.0, amtool-0.35.0, ...). A warm machine rebuilds
# nothing, also in a fresh clone.
#
#   scripts/build-tools.sh [DIR ...]     only the named tools/ folders (default: all of tools.tsv)
#
# Environment: OBSKIT_TOOLS_CACHE (default ~/.cache/obskit/tools), OBSKIT_SKIP_GO_TOOLS=1 to skip.
# Without Go on PATH it says what it skipped and exits 0 (the Debian floor still works).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin="$root/.tools/bin"
cache="${OBSKIT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/obskit/tools}"
mkdir -p "$bin" "$cache"

if [ "${OBSKIT_SKIP_GO_TOOLS:-}" = 1 ]; then
    echo "build-tools: OBSKIT_SKIP_GO_TOOLS=1, skipped Prometheus 3.x, Alertmanager 0.35, the collector and Jaeger"
    exit 0
fi
if ! command -v go >/dev/null; then
    echo "build-tools: no Go on PATH: skipped Prometheus 3.x, Alertmanager 0.35, the collector and Jaeger" >&2
    echo "build-tools: only Debian's promtool/amtool 2.42/0.25 are available; tests of the newer versions skip (fail under CI=true)" >&2
    exit 0
fi
export GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath"
export CGO_ENABLED=0
gover=$(go env GOVERSION)

want=("$@")
status=0
while IFS=$'\t' read -r dir version var pkgs; do
    case "$dir" in ''|'#'*) continue ;; esac
    if [ "${#want[@]}" -gt 0 ] && [[ " ${want[*]} " != *" $dir "* ]]; then continue; fi
    key=$( { echo "$gover $dir $version $var $pkgs"; cat "tools/$dir"/go.mod "tools/$dir"/go.sum; \
             find "tools/$dir" -maxdepth 1 \( -name '*.go' -o -name '*.txt' -o -name '*.html' \) -print0 | sort -z | xargs -0 -r cat; } | sha256sum | cut -c1-16)
    dest="$cache/$dir-$version-$key"
    names=()
    for p in $pkgs; do
        if [ "$p" = . ]; then names+=("$(basename "$dir")"); else names+=("$(basename "$p")"); fi
    done
    if [ ! -f "$dest/.complete" ]; then
        start=$(date +%s)
        tmp=$(mktemp -d "$cache/.build-$dir-XXXXXX")
        echo "build-tools: building $dir ($version) ..."
        modflags=()
        if [ -f "tools/$dir/missing-assets.txt" ]; then
            # a throw-away copy of each such module with placeholders, used through a temporary go.mod
            mkdir -p "$tmp/mod"
            cp "tools/$dir/go.mod" "tools/$dir/go.sum" "$tmp/mod/"
            while IFS=$'\t' read -r mod modver path; do
                case "$mod" in ''|'#'*) continue ;; esac
                copy="$tmp/src/$mod"
                if [ ! -d "$copy" ]; then
                    src=$(cd "tools/$dir" && go mod download -json "$mod@$modver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
                    mkdir -p "$(dirname "$copy")"; cp -r "$src" "$copy"; chmod -R u+w "$copy"
                    (cd "$tmp/mod" && go mod edit -replace "$mod=$copy")
                fi
                mkdir -p "$(dirname "$copy/$path")"
                cp "tools/$dir/ui-placeholder.html" "$copy/$path"
            done < "tools/$dir/missing-assets.txt"
            modflags=(-modfile "$tmp/mod/go.mod")
        fi
        if ( cd "tools/$dir" && go build "${modflags[@]}" -o "$tmp/" -ldflags "-s -w -X $var=$version" $pkgs ) >"$tmp/build.log" 2>&1; then
            rm -rf "$tmp/mod" "$tmp/src"
            touch "$tmp/.complete"
            rm -rf "$dest"; mv "$tmp" "$dest"
            echo "build-tools: built $dir ($version) in $(( $(date +%s) - start )) s"
        else
            echo "build-tools: FAILED to build $dir ($version); last lines of the log:" >&2
            tail -n 20 "$tmp/build.log" >&2
            rm -rf "$tmp"
            status=1
            continue
        fi
    else
        echo "build-tools: $dir ($version) cached"
    fi
    for n in "${names[@]}"; do
        ln -sfn "$dest/$n" "$bin/$n-$version"
    done
done < tools/tools.tsv
exit "$status"
